import { useState, type FormEvent } from 'react';
import { api, type CreatedKey, type Key, type Page, type Session } from '../api';
import { FormError, SelectField, TextField, formatTime, useAction, useLoad } from '../components';
import { EXPIRY_CHOICES } from './keys-page';
import { NewKey } from './new-key';

/** Self-service: the signed-in user's own keys; creating them when the setting allows it. */
export function MyKeysPage(props: { session: Session }) {
  const keys = useLoad(() => api<Page<Key>>('GET', '/v1/me/keys?limit=200'), []);
  const [created, setCreated] = useState<CreatedKey | undefined>();
  const [name, setName] = useState('');
  const [type, setType] = useState('bearer');
  const [expiry, setExpiry] = useState('90 days');
  const [custom, setCustom] = useState('');
  const create = useAction();
  // Only admins set quotas: the column shows when one of the user's keys has one.
  const limited = keys.value?.items.some((key) => key.rateLimit !== null) ?? false;
  const revoke = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run(async () => {
      setCreated(
        await api<CreatedKey>('POST', '/v1/me/keys', {
          name: name.trim(),
          type,
          expiresIn: expiry === 'custom' ? custom.trim() : expiry,
        }),
      );
      setName('');
      keys.reload();
    });
  };

  return (
    <>
      {created !== undefined && <NewKey created={created} onDone={() => setCreated(undefined)} />}
      {props.session.selfServiceKeys ? (
        <section aria-labelledby="my-create-title">
          <h2 id="my-create-title">Create a key for yourself</h2>
          <form onSubmit={submit} noValidate className="grid-form">
            <FormError error={create.error} fields={['name', 'type', 'expiresIn']} />
            <TextField
              label="Name"
              name="name"
              value={name}
              onChange={setName}
              error={create.error}
              required
            />
            <SelectField
              label="Type"
              name="type"
              value={type}
              onChange={setType}
              error={create.error}
              options={['bearer', 'basic']}
            />
            <SelectField
              label="Expires in"
              name="expiresIn"
              value={expiry}
              onChange={setExpiry}
              error={expiry === 'custom' ? undefined : create.error}
              options={EXPIRY_CHOICES}
            />
            {expiry === 'custom' && (
              <TextField
                label="Lifetime"
                name="expiresIn"
                value={custom}
                onChange={setCustom}
                error={create.error}
              />
            )}
            <div className="form-actions">
              <button type="submit" disabled={create.busy}>
                Create key
              </button>
            </div>
          </form>
        </section>
      ) : (
        <p className="hint">Creating your own keys is switched off: ask an admin for a key.</p>
      )}
      <section aria-labelledby="my-keys-title">
        <h2 id="my-keys-title">Your keys</h2>
        <FormError error={keys.error ?? revoke.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key id</th>
                <th scope="col">State</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                {limited && <th scope="col">Rate limit</th>}
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.value?.items.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.keyId}</code>
                  </td>
                  <td>
                    <span className={`badge ${key.state}`}>{key.state}</span>
                  </td>
                  <td>{formatTime(key.expiresAt, 'never')}</td>
                  <td>{formatTime(key.lastUsedAt, 'never')}</td>
                  {limited && <td>{key.rateLimit ?? 'none'}</td>}
                  <td className="actions">
                    {key.state === 'active' && (
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Revoke ${key.name}`}
                        onClick={() =>
                          void revoke.run(async () => {
                            await api('POST', `/v1/me/keys/${key.id}/revoke`);
                            keys.reload();
                          })
                        }
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
