import { useState, type FormEvent } from 'react';
import { api, type Group, type Page, type User } from '../api';
import { CheckboxField, FormError, TextField, splitList, useAction, useLoad } from '../components';
import { RATE_LIMIT_HINT, RateLimitForm, rateLimitValue } from './rate-limit-form';

/** Users (create, disable, delete) and groups (create, rate limit, delete). */
export function UsersPage() {
  const [search, setSearch] = useState('');
  const users = useLoad(
    () =>
      api<Page<User>>(
        'GET',
        `/v1/admin/users?limit=200${search.trim() === '' ? '' : `&search=${encodeURIComponent(search.trim())}`}`,
      ),
    [search],
  );
  const groups = useLoad(() => api<Page<Group>>('GET', '/v1/admin/groups?limit=500'), []);
  const userAction = useAction();
  const groupAction = useAction();
  const [editing, setEditing] = useState<User | undefined>();
  const [limiting, setLimiting] = useState<Group | undefined>();
  const reloadAll = () => {
    users.reload();
    groups.reload();
  };

  return (
    <>
      <CreateUserForm onCreated={reloadAll} groups={groups.value?.items ?? []} />
      <section aria-labelledby="user-list-title">
        <h2 id="user-list-title">Users</h2>
        <div className="filters">
          <TextField
            label="Search"
            name="search"
            value={search}
            onChange={setSearch}
            placeholder="username or e-mail"
          />
        </div>
        <FormError error={users.error ?? userAction.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">E-mail</th>
                <th scope="col">Groups</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.value?.items.map((user) => (
                <tr key={user.id}>
                  <td>{user.username}</td>
                  <td>{user.email ?? '—'}</td>
                  <td>{user.groups.join(', ') || '—'}</td>
                  <td>
                    <span className={`badge ${user.disabled ? 'revoked' : 'active'}`}>
                      {user.disabled ? 'disabled' : 'active'}
                    </span>
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Edit the groups of ${user.username}`}
                      onClick={() => setEditing(user)}
                    >
                      Groups
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() =>
                        void userAction.run(async () => {
                          await api('PATCH', `/v1/admin/users/${user.id}`, {
                            disabled: !user.disabled,
                          });
                          users.reload();
                        })
                      }
                    >
                      {user.disabled ? 'Enable' : 'Disable'}
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete ${user.username}`}
                      onClick={() =>
                        void userAction.run(async () => {
                          if (!window.confirm(`Delete ${user.username} and their keys?`)) return;
                          await api('DELETE', `/v1/admin/users/${user.id}`);
                          reloadAll();
                        })
                      }
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {editing !== undefined && (
        <MembershipsForm
          key={editing.id}
          user={editing}
          groups={groups.value?.items ?? []}
          onDone={() => {
            setEditing(undefined);
            reloadAll();
          }}
        />
      )}
      <CreateGroupForm onCreated={groups.reload} />
      <section aria-labelledby="group-list-title">
        <h2 id="group-list-title">Groups</h2>
        <FormError error={groups.error ?? groupAction.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Members</th>
                <th scope="col">Rate limit</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {groups.value?.items.map((group) => (
                <tr key={group.id}>
                  <td>{group.name}</td>
                  <td>{group.description ?? '—'}</td>
                  <td>{group.memberCount}</td>
                  <td>{group.rateLimit ?? 'none'}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Change the rate limit of group ${group.name}`}
                      onClick={() => setLimiting(group)}
                    >
                      Rate limit
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete group ${group.name}`}
                      onClick={() =>
                        void groupAction.run(async () => {
                          await api('DELETE', `/v1/admin/groups/${group.id}`);
                          groups.reload();
                        })
                      }
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {limiting !== undefined && (
        <RateLimitForm
          key={limiting.id}
          subject={`group ${limiting.name}`}
          path={`/v1/admin/groups/${limiting.id}`}
          current={limiting.rateLimit}
          onDone={(changed) => {
            setLimiting(undefined);
            if (changed) groups.reload();
          }}
        />
      )}
    </>
  );
}

function CreateUserForm(props: { onCreated: () => void; groups: Group[] }) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [groups, setGroups] = useState('');
  const [disabled, setDisabled] = useState(false);
  const { error, busy, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api('POST', '/v1/admin/users', {
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
    });
  };

  return (
    <section aria-labelledby="create-user-title">
      <h2 id="create-user-title">Create a user</h2>
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError error={error} fields={['username', 'email', 'displayName', 'groups']} />
        <TextField
          label="Username"
          name="username"
          value={username}
          onChange={setUsername}
          error={error}
          required
        />
        <TextField
          label="E-mail"
          name="email"
          type="email"
          value={email}
          onChange={setEmail}
          error={error}
        />
        <TextField
          label="Display name"
          name="displayName"
          value={displayName}
          onChange={setDisplayName}
          error={error}
        />
        <TextField
          label="Groups"
          name="groups"
          value={groups}
          onChange={setGroups}
          error={error}
          hint={
            props.groups.length > 0
              ? `Comma-separated; existing: ${props.groups.map((g) => g.name).join(', ')}`
              : 'Comma-separated names of existing groups'
          }
        />
        <CheckboxField
          label="Disabled"
          name="disabled"
          checked={disabled}
          onChange={setDisabled}
          error={error}
        />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            Create user
          </button>
        </div>
      </form>
    </section>
  );
}

/** A user's group memberships, as a checkbox per group; saving adds and removes the differences. */
function MembershipsForm(props: { user: User; groups: Group[]; onDone: () => void }) {
  const current = new Set(props.user.groups.map((g) => g.toLowerCase()));
  const [chosen, setChosen] = useState(
    () => new Set(props.groups.filter((g) => current.has(g.name.toLowerCase())).map((g) => g.id)),
  );
  const { error, busy, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      for (const group of props.groups) {
        const member = current.has(group.name.toLowerCase());
        const path = `/v1/admin/groups/${group.id}/members/${props.user.id}`;
        if (chosen.has(group.id) && !member) await api('PUT', path);
        if (!chosen.has(group.id) && member) await api('DELETE', path);
      }
      props.onDone();
    });
  };

  return (
    <section aria-labelledby="memberships-title">
      <h2 id="memberships-title">Groups of {props.user.username}</h2>
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError error={error} />
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
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            Save groups
          </button>
          <button type="button" className="secondary" onClick={props.onDone}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

function CreateGroupForm(props: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [rateLimit, setRateLimit] = useState('');
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api('POST', '/v1/admin/groups', {
        name: name.trim(),
        ...(description.trim() !== '' && { description: description.trim() }),
        ...(rateLimitValue(rateLimit) !== null && { rateLimit: rateLimitValue(rateLimit) }),
      });
      setName('');
      setDescription('');
      setRateLimit('');
      props.onCreated();
    });
  };
  return (
    <section aria-labelledby="create-group-title">
      <h2 id="create-group-title">Create a group</h2>
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError error={error} fields={['name', 'description', 'rateLimit']} />
        <TextField
          label="Group name"
          name="name"
          value={name}
          onChange={setName}
          error={error}
          required
        />
        <TextField
          label="Description"
          name="description"
          value={description}
          onChange={setDescription}
          error={error}
        />
        <TextField
          label="Rate limit"
          name="rateLimit"
          value={rateLimit}
          onChange={setRateLimit}
          error={error}
          placeholder="none"
          hint={`Optional; shared by all the members' keys together. ${RATE_LIMIT_HINT}`}
        />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            Create group
          </button>
        </div>
      </form>
    </section>
  );
}
