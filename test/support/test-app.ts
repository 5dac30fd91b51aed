import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import 'reflect-metadata';
import { createApp } from '../../src/app.js';
import { createFirstAdmin } from '../../src/bootstrap/first-admin.js';
import { loadConfig } from '../../src/config/app-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from './databases.js';
import { registerServiceLog, serviceLogFile } from './secret-ledger.js';

/** The server secret of every test service (random per run); the log scan looks for it too. */
export const TEST_SECRET =
  process.env.PORTCULLIS_TEST_SECRET ?? 'test-secret-adhoc-0123456789-abcdefghijklmnop';

export interface TestApp {
  url: string;
  app: NestFastifyApplication;
  runtime: Runtime;
  /** The bootstrap admin's bearer key. */
  adminKey: string;
  adminUserId: string;
  adminUsername: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Share this database with another instance instead of creating one. */
  database?: TestDatabase;
  /** Listen on this port (for a PUBLIC_URL known in advance, see freePort); default: any. */
  port?: number;
}

/**
 * Starts the real service on a loopback port: real PostgreSQL and Redis when TEST_DATABASE_URL and
 * TEST_REDIS_URL are set, else the embedded database (in memory) and the in-process cache. Its log
 * goes to a file that the suite scans for leaked secrets at the end.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const id = randomBytes(4).toString('hex');
  const config = loadConfig({
    PORTCULLIS_SECRET: TEST_SECRET,
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'debug',
    LOG_FILE: serviceLogFile(id),
    GRPC_PORT: 'off',
    // Most specs send many bad credentials from 127.0.0.1 on purpose; the limits are tested in
    // test/e2e/limits*.spec.ts, which set them.
    FAILED_ATTEMPTS_PER_IP: '0',
    FAILED_ATTEMPTS_PER_KEY_ID: '0',
    INTROSPECTION_RATE_LIMIT: 'off',
    ...(database.url && { DATABASE_URL: database.url }),
    ...(TEST_REDIS_URL && { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `test:${id}:` }),
    ...options.env,
  });
  const runtime = await openRuntime(config, createLogger(config));
  const admin = await createFirstAdmin(runtime.dataSource, runtime.hasher, config.adminGroup, {
    username: `admin-${id}`,
  }).catch(async (error: Error) => {
    // A second instance on a shared database finds the first one's admin.
    if (options.database) return undefined;
    throw error;
  });
  const app = await createApp(runtime);
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  registerServiceLog(config.logFile!);
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    runtime,
    adminKey: admin?.key ?? '',
    adminUserId: admin?.userId ?? '',
    adminUsername: admin?.username ?? '',
    async close() {
      try {
        await app.close();
        await runtime.close();
      } finally {
        // Dropped even when closing failed (a test that broke Redis), or it is left behind.
        if (!options.database) await database.drop();
      }
    },
  };
}
