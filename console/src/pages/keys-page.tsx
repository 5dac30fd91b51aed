import { useState, type FormEvent } from 'react';
import { api, query, type CreatedKey, type Key, type Page, type Settings, type User } from '../api';
import {
  CheckboxField,
  FormError,
  SelectField,
  TextField,
  formatTime,
  useAction,
  useLoad,
} from '../components';
import { NewKey } from './new-key';
import { RATE_LIMIT_HINT, RateLimitForm, rateLimitValue } from './rate-limit-form';

export const EXPIRY_CHOICES = [
  ['30 days', '30 days'],
  ['90 days', '90 days'],
  ['1 year', '1 year'],
  ['never', 'Never'],
  ['custom', 'Other…'],
] as const;

/** API keys: filter the list, create a key (shown once), change its rate limit, revoke, delete. */
export function KeysPage() {
  const [state, setState] = useState('active');
  const [owner, setOwner] = useState('');
  const [created, setCreated] = useState<CreatedKey | undefined>();
  const [limiting, setLimiting] = useState<Key | undefined>();
  const users = useLoad(() => api<Page<User>>('GET', '/v1/admin/users?limit=500'), []);
  const ownerId = users.value?.items.find((u) => u.username === owner)?.id;
  const keys = useLoad(
    () =>
      api<Page<Key>>(
        'GET',
        `/v1/admin/keys${query({ state: state === 'all' ? undefined : state, userId: ownerId, limit: 200 })}`,
      ),
    [state, ownerId],
  );
  const listAction = useAction();

  const act = (key: Key, what: 'revoke' | 'delete') =>
    void listAction.run(async () => {
      if (what === 'delete' && !window.confirm(`Delete the key "${key.name}" for good?`)) return;
      if (what === 'revoke') await api('POST', `/v1/admin/keys/${key.id}/revoke`);
      else await api('DELETE', `/v1/admin/keys/${key.id}`);
      keys.reload();
    });

  return (
    <>
      {created !== undefined && <NewKey created={created} onDone={() => setCreated(undefined)} />}
      <CreateKeyForm
        onCreated={(key) => {
          setCreated(key);
          keys.reload();
        }}
      />
      <section aria-labelledby="key-list-title">
        <h2 id="key-list-title">Keys</h2>
        <div className="filters">
          <SelectField
            label="State"
            name="state"
            value={state}
            onChange={setState}
            options={['active', 'expired', 'revoked', 'all']}
          />
          <TextField
            label="Owner"
            name="owner"
            value={owner}
            onChange={setOwner}
            list="usernames"
            placeholder="any user"
          />
        </div>
        <FormError error={keys.error ?? listAction.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key id</th>
                <th scope="col">Owner</th>
                <th scope="col">Type</th>
                <th scope="col">State</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Rate limit</th>
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
                  <td>{key.username}</td>
                  <td>{key.type}</td>
                  <td>
                    <span className={`badge ${key.state}`}>{key.state}</span>
                  </td>
                  <td>{formatTime(key.expiresAt, 'never')}</td>
                  <td>{formatTime(key.lastUsedAt, 'never')}</td>
                  <td>{key.rateLimit ?? 'none'}</td>
                  <td className="actions">
                    {key.state === 'active' && (
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Change the rate limit of ${key.name}`}
                        onClick={() => setLimiting(key)}
                      >
                        Rate limit
                      </button>
                    )}
                    {key.state === 'active' && (
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Revoke ${key.name}`}
                        onClick={() => act(key, 'revoke')}
                      >
                        Revoke
                      </button>
                    )}
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete ${key.name}`}
                      onClick={() => act(key, 'delete')}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {keys.value?.items.length === 0 && <p className="empty">No keys match.</p>}
        </div>
      </section>
      {limiting !== undefined && (
        <RateLimitForm
          key={limiting.id}
          subject={`key ${limiting.name}`}
          path={`/v1/admin/keys/${limiting.id}`}
          current={limiting.rateLimit}
          onDone={(changed) => {
            setLimiting(undefined);
            if (changed) keys.reload();
          }}
        />
      )}
      <datalist id="usernames">
        {users.value?.items.map((u) => (
          <option key={u.id} value={u.username} />
        ))}
      </datalist>
    </>
  );
}

const KEY_FIELDS = [
  'username',
  'name',
  'type',
  'expiresIn',
  'emailToOwner',
  'allowedIps',
  'rateLimit',
];

function CreateKeyForm(props: { onCreated: (key: CreatedKey) => void }) {
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [type, setType] = useState('bearer');
  const [expiry, setExpiry] = useState('90 days');
  const [custom, setCustom] = useState('');
  const [email, setEmail] = useState(false);
  const [rateLimit, setRateLimit] = useState('');
  const settings = useLoad(() => api<Settings>('GET', '/v1/admin/settings'), []);
  const { error, busy, run } = useAction();
  const max = settings.value?.maxKeyLifetime;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const key = await api<CreatedKey>('POST', '/v1/admin/keys', {
        username: username.trim(),
        name: name.trim(),
        type,
        expiresIn: expiry === 'custom' ? custom.trim() : expiry,
        ...(email && { emailToOwner: true }),
        ...(rateLimitValue(rateLimit) !== null && { rateLimit: rateLimitValue(rateLimit) }),
      });
      setName('');
      props.onCreated(key);
    });
  };

  return (
    <section aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError error={error} fields={KEY_FIELDS} />
        <TextField
          label="Owner (username)"
          name="username"
          value={username}
          onChange={setUsername}
          error={error}
          list="usernames"
          required
        />
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={setName}
          error={error}
          required
        />
        <SelectField
          label="Type"
          name="type"
          value={type}
          onChange={setType}
          error={error}
          options={[
            ['bearer', 'Bearer (Authorization: Bearer <key>)'],
            ['basic', 'Basic (username and key)'],
          ]}
        />
        <SelectField
          label="Expires in"
          name="expiresIn"
          value={expiry}
          onChange={setExpiry}
          error={expiry === 'custom' ? undefined : error}
          options={EXPIRY_CHOICES}
          hint={max ? `At most ${max} (the maximum key lifetime).` : 'No maximum is set.'}
        />
        {expiry === 'custom' && (
          <TextField
            label="Lifetime"
            name="expiresIn"
            value={custom}
            onChange={setCustom}
            error={error}
            placeholder="e.g. 12 hours, 2 weeks, 6 months"
          />
        )}
        <TextField
          label="Rate limit"
          name="rateLimit"
          value={rateLimit}
          onChange={setRateLimit}
          error={error}
          placeholder="none"
          hint={`Optional. ${RATE_LIMIT_HINT}`}
        />
        <CheckboxField
          label="E-mail the key to its owner"
          name="emailToOwner"
          checked={email}
          onChange={setEmail}
          error={error}
        />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            Create key
          </button>
        </div>
      </form>
    </section>
  );
}
