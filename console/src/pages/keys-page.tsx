import { useState } from 'react';
import { api, type CreatedKey, type Key, type Page, type Session, type User } from '../api';
import {
  CheckboxField,
  ConfirmButton,
  DeleteButton,
  FormSection,
  PagedTable,
  SelectField,
  TextField,
  formatTime,
  useLoad,
  usePagedList,
  type Column,
} from '../components';
import { ExpiryFields, useExpiry } from './expiry-fields';
import { NewKey } from './new-key';
import { RATE_LIMIT_HINT, RateLimitButton, rateLimitValue } from './rate-limit-form';

/** The columns both key lists show (the admins' list adds the owner and type). */
export const KEY_COLUMNS: readonly Column<Key>[] = [
  { header: 'Name', cell: (key) => key.name },
  { header: 'Key id', cell: (key) => <code>{key.keyId}</code> },
  { header: 'State', cell: (key) => <span className={`badge ${key.state}`}>{key.state}</span> },
  { header: 'Expires', cell: (key) => formatTime(key.expiresAt, 'never') },
  { header: 'Last used', cell: (key) => formatTime(key.lastUsedAt, 'never') },
];

const ADMIN_KEY_COLUMNS: readonly Column<Key>[] = [
  ...KEY_COLUMNS.slice(0, 2),
  { header: 'Owner', cell: (key) => key.username },
  { header: 'Type', cell: (key) => key.type },
  ...KEY_COLUMNS.slice(2),
  { header: 'Rate limit', cell: (key) => key.rateLimit ?? 'none' },
];

/**
 * Revoke, asking first. Revoking the key this console session was opened with ends the session at
 * once: said before, not discovered after. `path` is the admin or the self-service revoke path.
 */
export function RevokeKeyButton(props: {
  apiKey: Key;
  session: Session;
  path: string;
  onRevoked: () => void;
}) {
  const key = props.apiKey;
  const own = key.id === props.session.signInKeyId;
  return (
    <ConfirmButton
      className="secondary"
      aria-label={`Revoke ${key.name}`}
      title={`Revoke the key "${key.name}" of ${key.username}?`}
      detail={
        own ? (
          <p className="warning">
            This is the key you are signed in with: revoking it signs you out of the console.
          </p>
        ) : (
          <p>Every request that sends it is refused from now on. This cannot be undone.</p>
        )
      }
      confirmLabel={own ? 'Revoke and sign out' : 'Revoke'}
      done={`Key "${key.name}" revoked.`}
      onConfirm={async () => {
        await api('POST', props.path);
        props.onRevoked();
      }}
    >
      Revoke
    </ConfirmButton>
  );
}

/** API keys: filter the list, create a key (shown once), change its rate limit, revoke, delete. */
export function KeysPage(props: { session: Session }) {
  const [state, setState] = useState('active');
  const [owner, setOwner] = useState('');
  const [search, setSearch] = useState('');
  const [created, setCreated] = useState<CreatedKey | undefined>();
  // Names to pick the owner from; the filter itself is the server's, by username.
  const users = useLoad(() => api<Page<User>>('GET', '/v1/admin/users?limit=500'), []);
  const keys = usePagedList<Key>('/v1/admin/keys', {
    state: state === 'all' ? undefined : state,
    owner: owner.trim(),
    search: search.trim(),
  });

  return (
    <>
      {created !== undefined && <NewKey created={created} onDone={() => setCreated(undefined)} />}
      <CreateKeyForm
        maxKeyLifetime={props.session.maxKeyLifetime}
        onCreated={(key) => {
          setCreated(key);
          keys.reload();
        }}
      />
      <PagedTable
        title="Keys"
        list={keys}
        rowKey={(key) => key.id}
        columns={ADMIN_KEY_COLUMNS}
        empty="No keys match."
        search={{ label: 'Search', value: search, onChange: setSearch, hint: 'name or key id' }}
        filterFields={['owner', 'state']}
        filters={
          <>
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
          </>
        }
        actions={(key) => (
          <>
            {key.state === 'active' && (
              <RateLimitButton
                subject={`key ${key.name}`}
                name={key.name}
                path={`/v1/admin/keys/${key.id}`}
                current={key.rateLimit}
                onChanged={keys.reload}
              />
            )}
            {key.state === 'active' && (
              <RevokeKeyButton
                apiKey={key}
                session={props.session}
                path={`/v1/admin/keys/${key.id}/revoke`}
                onRevoked={keys.reload}
              />
            )}
            <DeleteButton
              path={`/v1/admin/keys/${key.id}`}
              what={`the key "${key.name}" of ${key.username}`}
              name={key.name}
              detail="It is gone for good, with its history; revoking keeps the record."
              onDeleted={keys.reload}
            />
          </>
        )}
      />
      <datalist id="usernames">
        {users.value?.items.map((u) => (
          <option key={u.id} value={u.username} />
        ))}
      </datalist>
    </>
  );
}

function CreateKeyForm(props: {
  maxKeyLifetime: string | null;
  onCreated: (key: CreatedKey) => void;
}) {
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [type, setType] = useState('bearer');
  const [email, setEmail] = useState(false);
  const [rateLimit, setRateLimit] = useState('');
  const expiry = useExpiry(props.maxKeyLifetime);

  return (
    <FormSection
      title="Create a key"
      submitLabel="Create key"
      fields={['username', 'name', 'type', 'expiresIn', 'emailToOwner', 'allowedIps', 'rateLimit']}
      onSubmit={async () => {
        const key = await api<CreatedKey>('POST', '/v1/admin/keys', {
          username: username.trim(),
          name: name.trim(),
          type,
          expiresIn: expiry.value,
          ...(email && { emailToOwner: true }),
          ...(rateLimitValue(rateLimit) !== null && { rateLimit: rateLimitValue(rateLimit) }),
        });
        setName('');
        props.onCreated(key);
        return `Key "${key.name}" created for ${key.username}.`;
      }}
    >
      <TextField
        label="Owner (username)"
        name="username"
        value={username}
        onChange={setUsername}
        list="usernames"
        required
      />
      <TextField label="Name" name="name" value={name} onChange={setName} required />
      <SelectField
        label="Type"
        name="type"
        value={type}
        onChange={setType}
        options={[
          ['bearer', 'Bearer (Authorization: Bearer <key>)'],
          ['basic', 'Basic (username and key)'],
        ]}
      />
      <ExpiryFields expiry={expiry} />
      <TextField
        label="Rate limit"
        name="rateLimit"
        value={rateLimit}
        onChange={setRateLimit}
        placeholder="none"
        hint={`Optional. ${RATE_LIMIT_HINT}`}
      />
      <CheckboxField
        label="E-mail the key to its owner"
        name="emailToOwner"
        checked={email}
        onChange={setEmail}
      />
    </FormSection>
  );
}
