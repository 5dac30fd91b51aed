import { listAll } from '../../admin-client/admin-api.js';
import { connect, parse, positionals, type CommandGroup, type Subcommand } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printRecord, printTable } from '../output.js';
import { findUser, listOption, type UserRecord } from './lookup.js';

const USER_COLUMNS = [
  { header: 'username', value: (u: UserRecord) => u.username },
  { header: 'email', value: (u: UserRecord) => u.email },
  { header: 'state', value: (u: UserRecord) => (u.disabled ? 'disabled' : 'enabled') },
  { header: 'groups', value: (u: UserRecord) => u.groups },
  { header: 'id', value: (u: UserRecord) => u.id },
];

function showUser(user: UserRecord, json: boolean | undefined): void {
  if (json) printJson(user);
  else
    printRecord({
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      state: user.disabled ? 'disabled' : 'enabled',
      groups: user.groups,
      id: user.id,
    });
}

/** `users disable` and `users enable`: one PATCH of `disabled`. */
function switchUser(disabled: boolean): Subcommand {
  const verb = disabled ? 'disable' : 'enable';
  return {
    usage: `users ${verb} <username>`,
    summary: disabled
      ? 'Disable a user: every credential they hold is refused'
      : 'Enable a disabled user again',
    async run(args) {
      const { values, positionals: given } = parse(args, {});
      const [name] = positionals(given, ['username']);
      const api = connect(values);
      const user = await findUser(api, name);
      const changed = await api.request<UserRecord>('PATCH', `/v1/admin/users/${user.id}`, {
        disabled,
      });
      showUser(changed, values.json);
      return EXIT.ok;
    },
  };
}

export const usersCommand: CommandGroup = {
  name: 'users',
  summary: 'Users: list, create, disable, enable, delete',
  subcommands: {
    list: {
      usage: 'users list [--group <name>] [--search <text>]',
      summary: 'List users, optionally only a group’s members or those matching a text',
      async run(args) {
        const { values } = parse(args, { group: { type: 'string' }, search: { type: 'string' } });
        const api = connect(values);
        const query: Record<string, string> = {};
        if (values.group !== undefined) query.group = values.group;
        if (values.search !== undefined) query.search = values.search;
        const users = await listAll<UserRecord>(api, '/v1/admin/users', query);
        if (values.json) printJson(users);
        else printTable(users, USER_COLUMNS);
        return EXIT.ok;
      },
    },
    create: {
      usage:
        'users create <username> [--email <address>] [--display-name <name>] [--group <name>]... [--disabled]',
      summary: 'Create a user, optionally in some groups',
      async run(args) {
        const { values, positionals: given } = parse(args, {
          email: { type: 'string' },
          'display-name': { type: 'string' },
          group: { type: 'string', multiple: true },
          disabled: { type: 'boolean' },
        });
        const [username] = positionals(given, ['username']);
        const api = connect(values);
        const user = await api.request<UserRecord>('POST', '/v1/admin/users', {
          username,
          email: values.email,
          displayName: values['display-name'],
          groups: listOption(values.group),
          disabled: values.disabled,
        });
        showUser(user, values.json);
        return EXIT.ok;
      },
    },
    disable: switchUser(true),
    enable: switchUser(false),
    delete: {
      usage: 'users delete <username>',
      summary: 'Delete a user, with their keys and memberships',
      async run(args) {
        const { values, positionals: given } = parse(args, {});
        const [name] = positionals(given, ['username']);
        const api = connect(values);
        const user = await findUser(api, name);
        await api.request('DELETE', `/v1/admin/users/${user.id}`);
        if (values.json) printJson({ deleted: user.id, username: user.username });
        else console.log(`Deleted user ${user.username}, with their keys and memberships.`);
        return EXIT.ok;
      },
    },
  },
};
