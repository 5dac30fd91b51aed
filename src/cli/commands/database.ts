import { parseArgs } from 'node:util';
import { bootstrapThroughSocket } from '../../bootstrap/control-socket.js';
import {
  BootstrapRefusedError,
  createFirstAdmin,
  type FirstAdmin,
} from '../../bootstrap/first-admin.js';
import { ConfigError, loadConfig, type AppConfig } from '../../config/app-config.js';
import { DataDirLock } from '../../database/data-dir-lock.js';
import { createLogger } from '../../logging/logger.js';
import { openRuntime } from '../../runtime.js';
import { UsageError } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';

// The commands that work on the database itself (DATABASE_URL, or the embedded one under
// DATA_DIR), not through the admin API: they make the first admin, who can then use the rest.

export async function bootstrapAdmin(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        username: { type: 'string' },
        email: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help || values.username === undefined) {
    console.log('Usage: portcullis bootstrap-admin --username <name> [--email <address>]');
    return values.help ? EXIT.ok : EXIT.usage;
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
    return EXIT.ok;
  } catch (error) {
    if (error instanceof BootstrapRefusedError) {
      console.error(`Refused: ${error.message}`);
      return EXIT.refused;
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

export async function migrate(): Promise<number> {
  const config = readConfig();
  const runtime = await openRuntime(config, createLogger(config), { withCache: false });
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
