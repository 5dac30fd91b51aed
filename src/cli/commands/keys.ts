import { listAll } from '../../admin-client/admin-api.js';
import { connect, parse, positionals, type CommandGroup } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printRecord, printTable } from '../output.js';
import { findUser, listOption, rateLimitOption, requireChange, requireOption } from './lookup.js';

interface KeyRecord {
  id: string;
  keyId: string;
  name: string;
  type: string;
  state: string;
  username: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  allowedIps: string[];
  rateLimit?: string | null;
}

const KEY_COLUMNS = [
  { header: 'key id', value: (k: KeyRecord) => k.keyId },
  { header: 'owner', value: (k: KeyRecord) => k.username },
  { header: 'name', value: (k: KeyRecord) => k.name },
  { header: 'type', value: (k: KeyRecord) => k.type },
  { header: 'state', value: (k: KeyRecord) => k.state },
  { header: 'expires', value: (k: KeyRecord) => k.expiresAt ?? 'never' },
  { header: 'last used', value: (k: KeyRecord) => k.lastUsedAt },
  { header: 'rate limit', value: (k: KeyRecord) => k.rateLimit ?? null },
  { header: 'id', value: (k: KeyRecord) => k.id },
];

/**
 * A key's path on the admin API, by its public key id (the 8 characters after `pcl_`) or its id
 * (UUID): the server takes either, and answers 404 (exit 3) for a key it does not know.
 */
function keyPath(idOrKeyId: string): string {
  return `/v1/admin/keys/${encodeURIComponent(idOrKeyId)}`;
}

export const keysCommand: CommandGroup = {
  name: 'keys',
  summary: 'API keys: list, create (shown once), update, revoke',
  subcommands: {
    list: {
      usage: 'keys list [--user <username>] [--state active|expired|revoked]',
      summary: 'List keys (never the keys themselves: their public key ids)',
      async run(args) {
        const { values } = parse(args, { user: { type: 'string' }, state: { type: 'string' } });
        const api = connect(values);
        const query: Record<string, string> = {};
        if (values.user !== undefined) query.userId = (await findUser(api, values.user)).id;
        if (values.state !== undefined) query.state = values.state;
        const keys = await listAll<KeyRecord>(api, '/v1/admin/keys', query);
        if (values.json) printJson(keys);
        else printTable(keys, KEY_COLUMNS);
        return EXIT.ok;
      },
    },
    create: {
      usage:
        'keys create --user <username> --name <name> [--type bearer|basic] [--expires "90 days"|never]\n' +
        '            [--description <text>] [--ip <address or range>]... [--email]\n' +
        '            [--rate-limit "600 per minute"] [--scopes <scope,...>]\n' +
        '            [--route "[METHOD,...] <path pattern>,..."]...\n\n' +
        '--route limits the key to some routes: "GET,HEAD /partners/**", or "/partners/**" for\n' +
        'every method. A request on none of them is refused (route_denied).',
      summary: 'Create a key and print it, once (it is stored only as a hash)',
      async run(args) {
        const { values } = parse(args, {
          user: { type: 'string' },
          name: { type: 'string' },
          type: { type: 'string', default: 'bearer' },
          expires: { type: 'string', default: 'never' },
          description: { type: 'string' },
          ip: { type: 'string', multiple: true },
          email: { type: 'boolean' },
          'rate-limit': { type: 'string' },
          scopes: { type: 'string', multiple: true },
          route: { type: 'string', multiple: true },
        });
        const api = connect(values);
        const created = await api.request<KeyRecord & { key: string; emailed: boolean }>(
          'POST',
          '/v1/admin/keys',
          {
            username: requireOption(values.user, '--user'),
            name: requireOption(values.name, '--name'),
            type: values.type,
            expiresIn: values.expires,
            description: values.description,
            allowedIps: listOption(values.ip),
            emailToOwner: values.email,
            rateLimit: values['rate-limit'],
            scopes: listOption(values.scopes),
            routes: routesOption(values.route),
          },
        );
        if (values.json) {
          printJson(created);
          return EXIT.ok;
        }
        console.log(
          `Created ${created.type} key ${created.keyId} "${created.name}" for ${created.username}, ` +
            `expiring ${created.expiresAt ?? 'never'}${created.emailed ? ' (e-mailed to the owner)' : ''}.`,
        );
        console.log('The key, shown this once (it is stored only as a hash):\n');
        console.log(`  ${created.key}\n`);
        console.log(
          created.type === 'basic'
            ? `Use it as HTTP Basic: ${created.username}:<key>`
            : 'Use it as: Authorization: Bearer <key>',
        );
        return EXIT.ok;
      },
    },
    update: {
      usage:
        'keys update <key id or id> [--rate-limit "600 per minute"|none] [--name <name>]\n' +
        '            [--description <text>] [--scopes <scope,...>|none]\n' +
        '            [--route "[METHOD,...] <path pattern>,..."|none]...',
      summary:
        "Change a key's rate limit (none: remove it), name or description; every instance applies a new rate limit within a second",
      async run(args) {
        const { values, positionals: given } = parse(args, {
          'rate-limit': { type: 'string' },
          name: { type: 'string' },
          description: { type: 'string' },
          scopes: { type: 'string', multiple: true },
          route: { type: 'string', multiple: true },
        });
        const [which] = positionals(given, ['key id']);
        const none = (list: string[] | undefined) => list?.length === 1 && list[0] === 'none';
        const change = {
          rateLimit: rateLimitOption(values['rate-limit']),
          name: values.name,
          description: values.description,
          scopes: none(values.scopes) ? [] : listOption(values.scopes),
          routes: none(values.route) ? [] : routesOption(values.route),
        };
        requireChange(change, '--rate-limit, --name, --description, --scopes or --route');
        const api = connect(values);
        const updated = await api.request<KeyRecord>('PATCH', keyPath(which), change);
        if (values.json) printJson(updated);
        else
          printRecord({
            updated: updated.keyId,
            name: updated.name,
            owner: updated.username,
            'rate limit': updated.rateLimit ?? 'none',
          });
        return EXIT.ok;
      },
    },
    revoke: {
      usage: 'keys revoke <key id or id>',
      summary: 'Revoke a key; every instance refuses it from then on',
      async run(args) {
        const { values, positionals: given } = parse(args, {});
        const [which] = positionals(given, ['key id']);
        const api = connect(values);
        const revoked = await api.request<KeyRecord>('POST', `${keyPath(which)}/revoke`);
        if (values.json) printJson(revoked);
        else printRecord({ revoked: revoked.keyId, owner: revoked.username, state: revoked.state });
        return EXIT.ok;
      },
    },
  },
};

/** `--route "GET,HEAD /partners/**,/status"`: methods (optional), a space, then path patterns. */
function routesOption(
  values: string[] | undefined,
): { methods: string[]; paths: string[] }[] | undefined {
  if (values === undefined) return undefined;
  return values.map((value) => {
    const text = value.trim();
    const space = text.lastIndexOf(' ');
    const split = (part: string) =>
      part
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    return space < 0
      ? { methods: [], paths: split(text) }
      : { methods: split(text.slice(0, space)), paths: split(text.slice(space + 1)) };
  });
}
