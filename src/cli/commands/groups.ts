import { listAll } from '../../admin-client/admin-api.js';
import { connect, parse, positionals, type CommandGroup, type Subcommand } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printRecord, printTable } from '../output.js';
import {
  findGroup,
  findUser,
  rateLimitOption,
  requireChange,
  type GroupRecord,
  type UserRecord,
} from './lookup.js';

/** `groups add-member` and `groups remove-member`: PUT or DELETE of a membership. */
function membership(add: boolean): Subcommand {
  const verb = add ? 'add-member' : 'remove-member';
  return {
    usage: `groups ${verb} <group> <username>`,
    summary: add ? 'Add a user to a group (idempotent)' : 'Remove a user from a group',
    async run(args) {
      const { values, positionals: given } = parse(args, {});
      const [groupName, username] = positionals(given, ['group', 'username']);
      const api = connect(values);
      const [group, user] = await Promise.all([findGroup(api, groupName), findUser(api, username)]);
      await api.request(add ? 'PUT' : 'DELETE', `/v1/admin/groups/${group.id}/members/${user.id}`);
      if (values.json) printJson({ group: group.name, username: user.username, member: add });
      else
        console.log(`${user.username} is ${add ? 'now' : 'no longer'} a member of ${group.name}.`);
      return EXIT.ok;
    },
  };
}

export const groupsCommand: CommandGroup = {
  name: 'groups',
  summary: 'Groups: list, create, update, delete, members, add-member, remove-member',
  subcommands: {
    list: {
      usage: 'groups list',
      summary: 'List groups with their member counts',
      async run(args) {
        const { values } = parse(args, {});
        const groups = await listAll<GroupRecord>(connect(values), '/v1/admin/groups');
        if (values.json) printJson(groups);
        else
          printTable(groups, [
            { header: 'name', value: (g) => g.name },
            { header: 'members', value: (g) => g.memberCount },
            { header: 'rate limit', value: (g) => g.rateLimit ?? null },
            { header: 'description', value: (g) => g.description },
            { header: 'id', value: (g) => g.id },
          ]);
        return EXIT.ok;
      },
    },
    create: {
      usage: 'groups create <name> [--description <text>] [--rate-limit "600 per minute"]',
      summary: "Create a group (a rate limit is shared by all the members' keys)",
      async run(args) {
        const { values, positionals: given } = parse(args, {
          description: { type: 'string' },
          'rate-limit': { type: 'string' },
        });
        const [name] = positionals(given, ['name']);
        const group = await connect(values).request<GroupRecord>('POST', '/v1/admin/groups', {
          name,
          description: values.description,
          rateLimit: values['rate-limit'],
        });
        if (values.json) printJson(group);
        else
          printRecord({
            name: group.name,
            description: group.description,
            'rate limit': group.rateLimit ?? null,
            id: group.id,
          });
        return EXIT.ok;
      },
    },
    update: {
      usage: 'groups update <name> [--rate-limit "600 per minute"|none] [--description <text>]',
      summary:
        "Change a group's rate limit (none: remove it) or description; every instance applies a new rate limit within a second",
      async run(args) {
        const { values, positionals: given } = parse(args, {
          'rate-limit': { type: 'string' },
          description: { type: 'string' },
        });
        const [name] = positionals(given, ['name']);
        const change = {
          rateLimit: rateLimitOption(values['rate-limit']),
          description: values.description,
        };
        requireChange(change, '--rate-limit or --description');
        const api = connect(values);
        const group = await findGroup(api, name);
        const updated = await api.request<GroupRecord>(
          'PATCH',
          `/v1/admin/groups/${group.id}`,
          change,
        );
        if (values.json) printJson(updated);
        else
          printRecord({
            updated: updated.name,
            description: updated.description,
            'rate limit': updated.rateLimit ?? 'none',
          });
        return EXIT.ok;
      },
    },
    delete: {
      usage: 'groups delete <name>',
      summary: 'Delete a group and its memberships (refused while a rule names it)',
      async run(args) {
        const { values, positionals: given } = parse(args, {});
        const [name] = positionals(given, ['name']);
        const api = connect(values);
        const group = await findGroup(api, name);
        await api.request('DELETE', `/v1/admin/groups/${group.id}`);
        if (values.json) printJson({ deleted: group.id, name: group.name });
        else console.log(`Deleted group ${group.name}.`);
        return EXIT.ok;
      },
    },
    members: {
      usage: 'groups members <name>',
      summary: 'List the members of a group',
      async run(args) {
        const { values, positionals: given } = parse(args, {});
        const [name] = positionals(given, ['name']);
        const api = connect(values);
        const group = await findGroup(api, name);
        const users = await listAll<UserRecord>(api, `/v1/admin/groups/${group.id}/members`);
        if (values.json) printJson(users);
        else
          printTable(users, [
            { header: 'username', value: (u) => u.username },
            { header: 'email', value: (u) => u.email },
            { header: 'state', value: (u) => (u.disabled ? 'disabled' : 'enabled') },
          ]);
        return EXIT.ok;
      },
    },
    'add-member': membership(true),
    'remove-member': membership(false),
  },
};
