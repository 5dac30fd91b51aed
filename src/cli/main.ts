#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { bootstrapThroughSocket } from '../bootstrap/control-socket.js';
import {
  BootstrapRefusedError,
  createFirstAdmin,
  type FirstAdmin,
} from '../bootstrap/first-admin.js';
import { ConfigError, loadConfig, type AppConfig } from '../config/app-config.js';
import { DataDirLock, DataDirLockedError } from '../database/data-dir-lock.js';
import { generateKey } from '../keys/key-format.js';
import { createLogger } from '../logging/logger.js';
import { openRuntime } from '../runtime.js';

const USAGE = `Usage: portcullis <command> [options]   (or: npm run cli -- <command> [options])

Commands:
  bootstrap-admin --username <name> [--email <address>]
      Create the first admin and print their key, once. Refused when an admin exists.
  generate-key
      Print a new, well-formed key, for PORTCULLIS_BOOTSTRAP_ADMIN_KEY.
  migrate
      Apply pending database migrations (the service also does this at start).

The database is the one the service uses: DATABASE_URL, or the embedded one under DATA_DIR.
Exit codes: 0 done, 1 failed, 2 bad usage, 3 refused.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  switch (command) {
    case 'bootstrap-admin':
      return bootstrapAdmin(rest);
    case 'generate-key':
      console.log(generateKey().plaintext);
      return 0;
    case 'migrate':
      return migrate();
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

async function bootstrapAdmin(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || values.username === undefined) {
    console.log('Usage: portcullis bootstrap-admin --username <name> [--email <address>]');
    return values.help ? 0 : 2;
  }
  const config = readConfig();
  const request = { username: values.username, email: values.email };
  try {
    const admin = await withDatabaseOrService(config, request);
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
    return 0;
  } catch (error) {
    if (error instanceof BootstrapRefusedError) {
      console.error(`Refused: ${error.message}`);
      return 3;
    }
    throw error;
  }
}

/** The embedded database belongs to the running service, if any: ask it; otherwise open it. */
async function withDatabaseOrService(
  config: AppConfig,
  request: { username: string; email?: string },
): Promise<FirstAdmin> {
  if (config.databaseUrl === undefined && DataDirLock.holder(config.dataDir) !== undefined) {
    return bootstrapThroughSocket(config.dataDir, request);
  }
  const runtime = await openRuntime(config, createLogger({ ...config, logLevel: 'warn' }), {
    withCache: false,
  });
  try {
    return await createFirstAdmin(runtime.dataSource, runtime.hasher, config.adminGroup, request);
  } finally {
    await runtime.close();
  }
}

async function migrate(): Promise<number> {
  const config = readConfig();
  const runtime = await openRuntime(config, createLogger(config), { withCache: false });
  await runtime.close();
  console.log('Migrations are up to date.');
  return 0;
}

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof DataDirLockedError) {
    console.error(error.message);
  } else {
    console.error(`Failed: ${(error as Error).message}`);
  }
  process.exitCode = 1;
}
