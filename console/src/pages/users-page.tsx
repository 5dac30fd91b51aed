import { useState } from 'react';
import { api, type Group, type Page, type User } from '../api';
import {
  CheckboxField,
  ConfirmButton,
  DeleteButton,
  FormError,
  FormSection,
  PagedTable,
  TextField,
  splitList,
  useAction,
  useLoad,
  useNotice,
  usePagedList,
  type Column,
} from '../components';
import { RATE_LIMIT_HINT, RateLimitButton, rateLimitValue } from './rate-limit-form';

const USER_COLUMNS: readonly Column<User>[] = [
  { header: 'Username', cell: (user) => user.username },
  { header: 'E-mail', cell: (user) => user.email ?? '—' },
  { header: 'Groups', cell: (user) => user.groups.join(', ') || '—' },
  {
    header: 'Status',
    cell: (user) => (
      <span className={`badge ${user.disabled ? 'revoked' : 'active'}`}>
        {user.disabled ? 'disabled' : 'active'}
      </span>
    ),
  },
];

const GROUP_COLUMNS: readonly Column<Group>[] = [
  { header: 'Name', cell: (group) => group.name },
  { header: 'Description', cell: (group) => group.description ?? '—' },
  { header: 'Members', cell: (group) => group.memberCount },
  { header: 'Rate limit', cell: (group) => group.rateLimit ?? 'none' },
];

/** Users (create, disable, delete) and groups (create, rate limit, delete). */
export function UsersPage() {
  const [search, setSearch] = useState('');
  const users = usePagedList<User>('/v1/admin/users', { search: search.trim() });
  const [groupSearch, setGroupSearch] = useState('');
  const groups = usePagedList<Group>('/v1/admin/groups', { search: groupSearch.trim() });
  // Every group, for the membership checkboxes and the hint of the user form.
  const allGroups = useLoad(() => api<Page<Group>>('GET', '/v1/admin/groups?limit=500'), []);
  const [editing, setEditing] = useState<User | undefined>();
  const reloadGroups = () => {
    groups.reload();
    allGroups.reload();
  };
  const reloadAll = () => {
    users.reload();
    reloadGroups();
  };
  const groupList = allGroups.value?.items ?? [];

  return (
    <>
      <CreateUserForm onCreated={reloadAll} groups={groupList} />
      <PagedTable
        title="Users"
        list={users}
        rowKey={(user) => user.id}
        columns={USER_COLUMNS}
        empty="No users match."
        search={{
          label: 'Search users',
          value: search,
          onChange: setSearch,
          hint: 'part of a username or e-mail',
        }}
        actions={(user) => (
          <>
            <button
              type="button"
              className="secondary"
              aria-label={`Edit the groups of ${user.username}`}
              onClick={() => setEditing(user)}
            >
              Groups
            </button>
            {user.disabled ? (
              <EnableButton user={user} onDone={users.reload} />
            ) : (
              <ConfirmButton
                className="secondary"
                aria-label={`Disable ${user.username}`}
                title={`Disable the user ${user.username}?`}
                detail="Their keys and sessions stop working until they are enabled again."
                confirmLabel="Disable"
                done={`User ${user.username} disabled.`}
                onConfirm={async () => {
                  await api('PATCH', `/v1/admin/users/${user.id}`, { disabled: true });
                  users.reload();
                }}
              >
                Disable
              </ConfirmButton>
            )}
            <DeleteButton
              path={`/v1/admin/users/${user.id}`}
              what={`the user ${user.username}`}
              name={user.username}
              detail="Their keys are deleted with them."
              onDeleted={reloadAll}
            />
          </>
        )}
      />
      {editing !== undefined && (
        <MembershipsForm
          key={editing.id}
          user={editing}
          groups={groupList}
          onDone={() => {
            setEditing(undefined);
            reloadAll();
          }}
        />
      )}
      <CreateGroupForm onCreated={reloadGroups} />
      <PagedTable
        title="Groups"
        list={groups}
        rowKey={(group) => group.id}
        columns={GROUP_COLUMNS}
        empty="No groups match."
        search={{
          label: 'Search groups',
          value: groupSearch,
          onChange: setGroupSearch,
          hint: 'part of a name',
        }}
        actions={(group) => (
          <>
            <RateLimitButton
              subject={`group ${group.name}`}
              name={`group ${group.name}`}
              path={`/v1/admin/groups/${group.id}`}
              current={group.rateLimit}
              onChanged={groups.reload}
            />
            <DeleteButton
              path={`/v1/admin/groups/${group.id}`}
              what={`the group ${group.name}`}
              name={`group ${group.name}`}
              detail={`Its ${group.memberCount} member(s) lose what the group gave them; the users stay.`}
              onDeleted={reloadAll}
            />
          </>
        )}
      />
    </>
  );
}

/** Enabling gives access back, so it needs no confirmation; it still says it was done. */
function EnableButton(props: { user: User; onDone: () => void }) {
  const say = useNotice();
  const action = useAction();
  return (
    <>
      <button
        type="button"
        className="secondary"
        aria-label={`Enable ${props.user.username}`}
        disabled={action.busy}
        onClick={() =>
          void action.run(async () => {
            await api('PATCH', `/v1/admin/users/${props.user.id}`, { disabled: false });
            say(`User ${props.user.username} enabled.`);
            props.onDone();
          })
        }
      >
        Enable
      </button>
      <FormError error={action.error} />
    </>
  );
}

function CreateUserForm(props: { onCreated: () => void; groups: Group[] }) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [groups, setGroups] = useState('');
  const [disabled, setDisabled] = useState(false);

  return (
    <FormSection
      title="Create a user"
      submitLabel="Create user"
      fields={['username', 'email', 'displayName', 'groups']}
      onSubmit={async () => {
        const created = await api<User>('POST', '/v1/admin/users', {
          username: username.trim(),
          ...(email.trim() !== '' && { email: email.trim() }),
          ...(displayName.trim() !== '' && { displayName: displayName.trim() }),
          groups: splitList(groups),
          disabled,
        });
        setUsername('');
        setEmail('');
        setDisplayName('');
        setGroups('');
        props.onCreated();
        return `User ${created.username} created.`;
      }}
    >
      <TextField
        label="Username"
        name="username"
        value={username}
        onChange={setUsername}
        required
      />
      <TextField label="E-mail" name="email" type="email" value={email} onChange={setEmail} />
      <TextField
        label="Display name"
        name="displayName"
        value={displayName}
        onChange={setDisplayName}
      />
      <TextField
        label="Groups"
        name="groups"
        value={groups}
        onChange={setGroups}
        hint={
          props.groups.length > 0
            ? `Comma-separated; existing: ${props.groups.map((g) => g.name).join(', ')}`
            : 'Comma-separated names of existing groups'
        }
      />
      <CheckboxField label="Disabled" name="disabled" checked={disabled} onChange={setDisabled} />
    </FormSection>
  );
}

/** A user's group memberships, as a checkbox per group; saving adds and removes the differences. */
function MembershipsForm(props: { user: User; groups: Group[]; onDone: () => void }) {
  const current = new Set(props.user.groups.map((g) => g.toLowerCase()));
  const [chosen, setChosen] = useState(
    () => new Set(props.groups.filter((g) => current.has(g.name.toLowerCase())).map((g) => g.id)),
  );

  return (
    <FormSection
      title={`Groups of ${props.user.username}`}
      submitLabel="Save groups"
      fields={[]}
      actions={
        <button type="button" className="secondary" onClick={props.onDone}>
          Cancel
        </button>
      }
      onSubmit={async () => {
        for (const group of props.groups) {
          const member = current.has(group.name.toLowerCase());
          const path = `/v1/admin/groups/${group.id}/members/${props.user.id}`;
          if (chosen.has(group.id) && !member) await api('PUT', path);
          if (!chosen.has(group.id) && member) await api('DELETE', path);
        }
        props.onDone();
        return `Groups of ${props.user.username} saved.`;
      }}
    >
      {props.groups.length === 0 && <p className="hint">There are no groups yet.</p>}
      {props.groups.map((group) => (
        <CheckboxField
          key={group.id}
          label={group.name}
          name={`group-${group.id}`}
          checked={chosen.has(group.id)}
          onChange={(checked) => {
            const next = new Set(chosen);
            if (checked) next.add(group.id);
            else next.delete(group.id);
            setChosen(next);
          }}
          hint={group.description ?? undefined}
        />
      ))}
    </FormSection>
  );
}

function CreateGroupForm(props: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [rateLimit, setRateLimit] = useState('');
  return (
    <FormSection
      title="Create a group"
      submitLabel="Create group"
      fields={['name', 'description', 'rateLimit']}
      onSubmit={async () => {
        const created = await api<Group>('POST', '/v1/admin/groups', {
          name: name.trim(),
          ...(description.trim() !== '' && { description: description.trim() }),
          ...(rateLimitValue(rateLimit) !== null && { rateLimit: rateLimitValue(rateLimit) }),
        });
        setName('');
        setDescription('');
        setRateLimit('');
        props.onCreated();
        return `Group ${created.name} created.`;
      }}
    >
      <TextField label="Group name" name="name" value={name} onChange={setName} required />
      <TextField
        label="Description"
        name="description"
        value={description}
        onChange={setDescription}
      />
      <TextField
        label="Rate limit"
        name="rateLimit"
        value={rateLimit}
        onChange={setRateLimit}
        placeholder="none"
        hint={`Optional; shared by all the members' keys together. ${RATE_LIMIT_HINT}`}
      />
    </FormSection>
  );
}
