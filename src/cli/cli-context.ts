import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import type { AdminApi } from '../admin-client/admin-api.js';
import { FetchAdminApi } from '../admin-client/fetch-admin-api.js';

/** Bad usage: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Options every admin API command takes. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

export const CONNECTION_HELP = `Connection (every command):
  --url <url>   Portcullis base URL (default: $PORTCULLIS_URL, else ${DEFAULT_URL})
  --key <key>   an admin's key (default: $PORTCULLIS_KEY; prefer the variable: flags show in ps)
  --json        print JSON instead of tables, for scripts
  -h, --help    this help`;

/** parseArgs, strict, with its errors turned into usage errors. */
export function parse<O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  const config = {
    args,
    options: { ...CONNECTION_OPTIONS, ...options } as typeof CONNECTION_OPTIONS & O,
    allowPositionals: true as const,
    strict: true as const,
  };
  try {
    return parseArgs<typeof config>(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The admin API named by --url/--key or PORTCULLIS_URL/PORTCULLIS_KEY. */
export function connect(values: { url?: string; key?: string }): AdminApi {
  const url = values.url ?? process.env.PORTCULLIS_URL ?? DEFAULT_URL;
  const key = values.key ?? process.env.PORTCULLIS_KEY;
  if (key === undefined || key === '') {
    throw new UsageError('No admin key: set PORTCULLIS_KEY (or give --key)');
  }
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    throw new UsageError(`--url must be an http(s) URL, not "${url}"`);
  }
  return new FetchAdminApi(url, key);
}

/** The positional arguments after the subcommand, exactly `names.length` of them. */
export function positionals(given: string[], names: string[]): string[] {
  if (given.length !== names.length) {
    throw new UsageError(
      given.length < names.length
        ? `Missing ${names
            .slice(given.length)
            .map((n) => `<${n}>`)
            .join(' ')}`
        : `Unexpected argument "${given[names.length]}"`,
    );
  }
  return given;
}

/** A subcommand of a command group. */
export interface Subcommand {
  usage: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

/** A command group (`keys`, `users`, ...): its subcommands, and help for each. */
export interface CommandGroup {
  name: string;
  summary: string;
  subcommands: Record<string, Subcommand>;
}
