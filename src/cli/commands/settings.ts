import { connect, parse, UsageError, type CommandGroup } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printRecord } from '../output.js';

/** How `field=value` is read for each setting; the server validates the result. */
const FIELD_TYPES: Record<string, 'boolean' | 'string?' | 'integer?' | 'list' | 'string'> = {
  enabled: 'boolean',
  disablePasswordBasicAuth: 'boolean',
  allowSelfServiceKeys: 'boolean',
  maxKeyLifetime: 'string?',
  maxActiveKeysPerUser: 'integer?',
  trustedProxies: 'list',
  identityHeaderStyle: 'string',
};

/** `maxKeyLifetime=90 days`, `trustedProxies=10.0.0.0/8,::1`, `maxActiveKeysPerUser=null`. */
export function parseAssignment(assignment: string): [string, unknown] {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`Expected field=value, not "${assignment}"`);
  const field = assignment.slice(0, eq);
  const text = assignment.slice(eq + 1).trim();
  const type = FIELD_TYPES[field];
  if (type === undefined) {
    throw new UsageError(
      `Unknown setting "${field}"; settings are ${Object.keys(FIELD_TYPES).join(', ')}`,
    );
  }
  switch (type) {
    case 'boolean':
      if (text !== 'true' && text !== 'false') {
        throw new UsageError(`${field} must be true or false`);
      }
      return [field, text === 'true'];
    case 'integer?':
      if (text === 'null' || text === '') return [field, null];
      if (!/^\d+$/.test(text)) throw new UsageError(`${field} must be a whole number or null`);
      return [field, Number(text)];
    case 'string?':
      return [field, text === 'null' || text === '' ? null : text];
    case 'list':
      return [field, text === '' ? [] : text.split(',').map((v) => v.trim())];
    case 'string':
      return [field, text];
  }
}

function show(settings: Record<string, unknown>, json: boolean | undefined): void {
  if (json) printJson(settings);
  else printRecord(settings);
}

export const settingsCommand: CommandGroup = {
  name: 'settings',
  summary: 'The global settings: get, set field=value',
  subcommands: {
    get: {
      usage: 'settings get',
      summary: 'Show the global settings',
      async run(args) {
        const { values } = parse(args, {});
        show(await connect(values).request('GET', '/v1/admin/settings'), values.json);
        return EXIT.ok;
      },
    },
    set: {
      usage: `settings set <field>=<value>...
  fields: ${Object.keys(FIELD_TYPES).join(', ')}
  e.g.    settings set allowSelfServiceKeys=true maxKeyLifetime="90 days" trustedProxies=10.0.0.0/8,::1`,
      summary: 'Change some settings (null clears maxKeyLifetime and maxActiveKeysPerUser)',
      async run(args) {
        const { values, positionals: given } = parse(args, {});
        if (given.length === 0) throw new UsageError('Give at least one field=value');
        const changes = Object.fromEntries(given.map(parseAssignment));
        show(await connect(values).request('PATCH', '/v1/admin/settings', changes), values.json);
        return EXIT.ok;
      },
    },
  },
};
