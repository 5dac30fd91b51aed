import { useState } from 'react';
import { api, type CreatedKey, type Key, type Session } from '../api';
import { FormSection, PagedTable, SelectField, TextField, usePagedList } from '../components';
import { ExpiryFields, useExpiry } from './expiry-fields';
import { KEY_COLUMNS, RevokeKeyButton } from './keys-page';
import { NewKey } from './new-key';

/** Self-service: the signed-in user's own keys; creating them when the setting allows it. */
export function MyKeysPage(props: { session: Session }) {
  const [search, setSearch] = useState('');
  const keys = usePagedList<Key>('/v1/me/keys', { search: search.trim() });
  const [created, setCreated] = useState<CreatedKey | undefined>();
  // Only admins set quotas: the column shows when one of the user's keys has one.
  const limited = keys.page?.items.some((key) => key.rateLimit !== null) ?? false;

  return (
    <>
      {created !== undefined && <NewKey created={created} onDone={() => setCreated(undefined)} />}
      {props.session.selfServiceKeys ? (
        <CreateOwnKeyForm
          maxKeyLifetime={props.session.maxKeyLifetime}
          onCreated={(key) => {
            setCreated(key);
            keys.reload();
          }}
        />
      ) : (
        <p className="hint">Creating your own keys is switched off: ask an admin for a key.</p>
      )}
      <PagedTable
        title="Your keys"
        list={keys}
        rowKey={(key) => key.id}
        columns={
          limited
            ? [...KEY_COLUMNS, { header: 'Rate limit', cell: (key) => key.rateLimit ?? 'none' }]
            : KEY_COLUMNS
        }
        empty="No keys match."
        search={{ label: 'Search', value: search, onChange: setSearch, hint: 'name or key id' }}
        actions={(key) =>
          key.state === 'active' && (
            <RevokeKeyButton
              apiKey={key}
              session={props.session}
              path={`/v1/me/keys/${key.id}/revoke`}
              onRevoked={keys.reload}
            />
          )
        }
      />
    </>
  );
}

function CreateOwnKeyForm(props: {
  maxKeyLifetime: string | null;
  onCreated: (key: CreatedKey) => void;
}) {
  const [name, setName] = useState('');
  const [type, setType] = useState('bearer');
  const expiry = useExpiry(props.maxKeyLifetime);
  return (
    <FormSection
      title="Create a key for yourself"
      submitLabel="Create key"
      fields={['name', 'type', 'expiresIn']}
      onSubmit={async () => {
        const key = await api<CreatedKey>('POST', '/v1/me/keys', {
          name: name.trim(),
          type,
          expiresIn: expiry.value,
        });
        setName('');
        props.onCreated(key);
        return `Key "${key.name}" created.`;
      }}
    >
      <TextField label="Name" name="name" value={name} onChange={setName} required />
      <SelectField
        label="Type"
        name="type"
        value={type}
        onChange={setType}
        options={['bearer', 'basic']}
      />
      <ExpiryFields expiry={expiry} />
    </FormSection>
  );
}
