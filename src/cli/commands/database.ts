import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrapThroughSocket } from '../../bootstrap/control-socket.js';
import {
  BootstrapRefusedError,
  createFirstAdmin,
  type FirstAdmin,
} from '../../bootstrap/first-admin.js';
import { ConfigError, loadConfig, type AppConfig } from '../../config/app-config.js';
import { DataDirLock } from '../../database/data-dir-lock.js';
import { embeddedDataPath } from '../../database/embedded-database.js';
import { createLogger } from '../../logging/logger.js';
import { openRuntime } from '../../runtime.js';
import { UsageError } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson } from '../output.js';

// The commands that work on the database itself (DATABASE_URL, or the embedded one under
// DATA_DIR), not through the admin API: they make the first admin, who can then use the rest.

/** The CLI logs to standard error: standard output is the command's answer. */
const STDERR = 2;

const BOOTSTRAP_USAGE =
  'Usage: portcullis bootstrap-admin --username <name> [--email <address>] [--create] [--json]';

const BOOTSTRAP_HELP = `${BOOTSTRAP_USAGE}

Creates the first admin and prints their key, once. Refused when an admin exists.
Works on DATABASE_URL's PostgreSQL, or on the embedded database under DATA_DIR (through the
running service when it holds that directory); it says which on standard error.

  --create   without DATABASE_URL, create a new embedded database when DATA_DIR has none
             (without it, a missing database is refused: the admin would be made where no
             service looks)
  --json     print the admin as JSON on standard output, and nothing else there`;

export async function bootstrapAdmin(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        username: { type: 'string' },
        email: { type: 'string' },
        create: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(BOOTSTRAP_HELP);
    return EXIT.ok;
  }
  if (values.username === undefined) throw new UsageError('--username is required');
  const config = readConfig();
  const database = describeDatabase(config);
  const fresh = config.databaseUrl === undefined && !existsSync(embeddedDataPath(config.dataDir));
  if (fresh && !values.create) {
    console.error(
      `No embedded database in ${resolve(config.dataDir)} (DATA_DIR): bootstrap-admin would ` +
        'create a new one that no service uses. Set DATABASE_URL (and PORTCULLIS_SECRET) for ' +
        "PostgreSQL, or DATA_DIR to the service's data directory; give --create to start a new " +
        'embedded database there.',
    );
    return EXIT.usage;
  }
  const request = { username: values.username, email: values.email };
  try {
    const admin = await withDatabaseOrService(config, request, database);
    if (values.json) {
      printJson({
        username: admin.username,
        userId: admin.userId,
        group: config.adminGroup,
        keyId: admin.keyId,
        key: admin.key,
        database: database.json,
      });
      return EXIT.ok;
    }
    console.log(
      [
        `Created admin "${admin.username}" (member of "${config.adminGroup}").`,
        'Their key, shown this once (it is stored only as a hash):',
        '',
        `  ${admin.key}`,
        '',
        'Use it as:  Authorization: Bearer <key>',
      ].join('\n'),
    );
    return EXIT.ok;
  } catch (error) {
    if (error instanceof BootstrapRefusedError) {
      console.error(`Refused: ${error.message}`);
      return EXIT.refused;
    }
    throw error;
  }
}

interface DatabaseDescription {
  /** For people: "the embedded database in /srv/data", "PostgreSQL db.internal:5432/portcullis". */
  text: string;
  /** For scripts (--json); never a password. */
  json: Record<string, string | number>;
}

/** Which database the command works on, without the password of a DATABASE_URL. */
export function describeDatabase(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>,
): DatabaseDescription {
  if (config.databaseUrl === undefined) {
    const dataDir = resolve(config.dataDir);
    return {
      text: `the embedded database in ${dataDir} (DATA_DIR)`,
      json: { kind: 'embedded', dataDir },
    };
  }
  try {
    const url = new URL(config.databaseUrl);
    const host = url.hostname || url.searchParams.get('host') || 'localhost';
    const port = Number(url.port || 5432);
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || url.username;
    return {
      text: `PostgreSQL ${host}:${port}/${database} (DATABASE_URL)`,
      json: { kind: 'postgresql', host, port, database },
    };
  } catch {
    return { text: 'PostgreSQL (DATABASE_URL)', json: { kind: 'postgresql' } };
  }
}

/** The embedded database belongs to the running service, if any: ask it; otherwise open it. */
async function withDatabaseOrService(
  config: AppConfig,
  request: { username: string; email?: string },
  database: DatabaseDescription,
): Promise<FirstAdmin> {
  if (config.databaseUrl === undefined && DataDirLock.holder(config.dataDir) !== undefined) {
    console.error(`Using ${database.text}, through the service that holds it.`);
    return bootstrapThroughSocket(config.dataDir, request);
  }
  console.error(`Using ${database.text}.`);
  const logger = createLogger({ ...config, logLevel: 'warn' }, STDERR);
  const runtime = await openRuntime(config, logger, {
    withCache: false,
  });
  try {
    return await createFirstAdmin(runtime.dataSource, runtime.hasher, config.adminGroup, request);
  } finally {
    await runtime.close();
  }
}

export async function migrate(): Promise<number> {
  const config = readConfig();
  const runtime = await openRuntime(config, createLogger(config, STDERR), { withCache: false });
  await runtime.close();
  console.log('Migrations are up to date.');
  return EXIT.ok;
}

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(EXIT.usage);
    }
    throw error;
  }
}
