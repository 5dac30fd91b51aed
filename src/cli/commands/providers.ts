import { listAll, type AdminApi } from '../../admin-client/admin-api.js';
import { connect, parse, positionals, UsageError, type CommandGroup } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printRecord, printTable } from '../output.js';
import { isUuid, NotFound } from './lookup.js';

interface ProviderRecord {
  id: string;
  name: string;
  preset: string;
  issuer: string | null;
  validation: string;
  usernameAttribute: string;
  enabled: boolean;
  position: number;
  redirectUri: string;
  [field: string]: unknown;
}

interface Attributes {
  usernameAttribute: string;
  usernameValue: string | null;
  attributes: { path: string; value: unknown; source: string }[];
}

async function findProvider(api: AdminApi, nameOrId: string): Promise<ProviderRecord> {
  if (isUuid(nameOrId)) {
    return api.request<ProviderRecord>('GET', `/v1/admin/providers/${nameOrId}`);
  }
  const providers = await listAll<ProviderRecord>(api, '/v1/admin/providers');
  const provider = providers.find((p) => p.name.toLowerCase() === nameOrId.toLowerCase());
  if (!provider) throw new NotFound(`No provider named "${nameOrId}"`);
  return provider;
}

/** The pasted token: from --token, or from standard input (`--token -`, or piped). */
async function readToken(flag: string | undefined): Promise<string> {
  if (flag !== undefined && flag !== '-') return flag;
  if (flag === undefined && process.stdin.isTTY) {
    throw new UsageError('Give the access token on standard input, or with --token');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const token = Buffer.concat(chunks).toString('utf8').trim();
  if (token === '') throw new UsageError('No access token on standard input');
  return token;
}

export const providersCommand: CommandGroup = {
  name: 'providers',
  summary: 'Identity providers: list, show, test with a pasted token',
  subcommands: {
    list: {
      usage: 'providers list',
      summary: 'List identity providers, in the order they are tried',
      async run(args) {
        const { values } = parse(args, {});
        const providers = await listAll<ProviderRecord>(connect(values), '/v1/admin/providers');
        if (values.json) printJson(providers);
        else
          printTable(providers, [
            { header: 'name', value: (p) => p.name },
            { header: 'preset', value: (p) => p.preset },
            { header: 'enabled', value: (p) => (p.enabled ? 'yes' : 'no') },
            { header: 'position', value: (p) => p.position },
            { header: 'validation', value: (p) => p.validation },
            { header: 'username attribute', value: (p) => p.usernameAttribute },
            { header: 'issuer', value: (p) => p.issuer },
          ]);
        return EXIT.ok;
      },
    },
    show: {
      usage: 'providers show <name or id>',
      summary: 'Show a provider (never its client secret), with its redirect URI',
      async run(args) {
        const { values, positionals: given } = parse(args, {});
        const [name] = positionals(given, ['name']);
        const provider = await findProvider(connect(values), name);
        if (values.json) {
          printJson(provider);
          return EXIT.ok;
        }
        // The discovery document is long: --json shows it.
        printRecord(
          Object.fromEntries(Object.entries(provider).filter(([k]) => k !== 'discovery')),
        );
        return EXIT.ok;
      },
    },
    test: {
      usage: 'providers test <name or id> [--token <access token> | --token - | < token-file]',
      summary:
        'Show the attributes a pasted access token carries, and who it would be (the preview)',
      async run(args) {
        const { values, positionals: given } = parse(args, { token: { type: 'string' } });
        const [name] = positionals(given, ['name']);
        const api = connect(values);
        const provider = await findProvider(api, name);
        const token = await readToken(values.token);
        const seen = await api.request<Attributes>(
          'POST',
          `/v1/admin/providers/${provider.id}/preview`,
          { accessToken: token },
        );
        if (values.json) {
          printJson(seen);
          return EXIT.ok;
        }
        console.log(
          `${provider.name} maps users by ${seen.usernameAttribute}: this token is ` +
            `${seen.usernameValue === null ? 'nobody (the attribute is absent)' : `"${seen.usernameValue}"`}.\n`,
        );
        printTable(seen.attributes, [
          { header: 'attribute', value: (a) => a.path },
          { header: 'value', value: (a) => a.value },
          { header: 'source', value: (a) => a.source },
        ]);
        return EXIT.ok;
      },
    },
  },
};
