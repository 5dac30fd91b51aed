import 'reflect-metadata';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { bootstrapAdminHint } from './bootstrap/cli-command.js';
import { startupFailure, STARTUP_EXIT } from './bootstrap/startup-failure.js';
import { startControlSocket } from './bootstrap/control-socket.js';
import { BootstrapRefusedError, createFirstAdmin } from './bootstrap/first-admin.js';
import { hasUsableAdmin } from './directory/usable-admin.js';
import { limitHeapGrowth } from './bootstrap/heap-growth.js';
import { ApiProblemError } from './admin-client/admin-api.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { ApplyStepError, MissingSecretsError } from './config-file/config-apply.js';
import { PlanError } from './config-file/config-plan.js';
import { ConfigFileError } from './config-file/config-reader.js';
import { seedFromConfigFile } from './config-file/config-seed.js';
import { ShutdownState } from './health/shutdown-state.js';
import { createLogger, flushLogger } from './logging/logger.js';
import { openRuntime, type Runtime } from './runtime.js';

/** Longest the stop may take after the drain (requests in flight, final writes) before exiting. */
const SHUTDOWN_DEADLINE_MS = 30_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(STARTUP_EXIT.config);
    }
    throw error;
  }
  limitHeapGrowth(config.heapGrowingPercent);
  const logger = createLogger(config);
  // A failure we foresaw (a busy port, a locked or unusable data directory) is one line naming the
  // variable to change, and its own exit code; anything else stays an error with its stack.
  const failed =
    (close: () => Promise<void> = () => flushLogger(logger)) =>
    async (error: unknown): Promise<never> => {
      const failure = startupFailure(error, config);
      if (failure === undefined) throw error;
      console.error(failure.message);
      // Standard output carries the log unless LOG_FILE is set: the line above is enough there.
      if (config.logFile !== undefined) {
        logger.fatal({ exitCode: failure.exitCode }, failure.message);
      }
      await close().catch(() => undefined);
      process.exit(failure.exitCode);
    };
  const runtime = await openRuntime(config, logger).catch(failed());
  const closeRuntime = () => runtime.close();
  await bootstrapFromEnvironment(runtime);
  const app = await createApp(runtime).catch(failed(closeRuntime));
  await seedFromConfiguration(app, runtime);
  const controlSocket: Server | undefined =
    config.databaseUrl === undefined ? await startControlSocket(runtime) : undefined;

  await app.listen({ port: config.port, host: config.host }).catch(failed(closeRuntime));
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  logger.info(
    {
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      database:
        config.databaseUrl === undefined ? `embedded (PGlite in ${config.dataDir})` : 'postgresql',
      cache: runtime.store.kind === 'redis' ? 'redis' : 'in-process (no REDIS_URL)',
    },
    'Portcullis is listening',
  );
  if (!(await hasUsableAdmin(runtime.dataSource.manager, config.adminGroup))) {
    logger.warn(
      `No admin exists yet. Create the first one (its key is printed once): ${bootstrapAdminHint(config)}`,
    );
  }

  // Shutting down: readiness fails first (and, on SIGTERM, for SHUTDOWN_DRAIN_SECONDS while
  // requests are still served, so that load balancers move away); then no new connection is
  // accepted, requests in flight finish, the shutdown hooks write what is pending (key last-used
  // times), and the database and cache connections close. A second signal skips the drain.
  let stopping = false;
  let skipDrain: () => void = () => undefined;
  const stop = async (signal: string) => {
    if (stopping) return skipDrain();
    stopping = true;
    const drainMs = signal === 'SIGTERM' ? config.shutdownDrainMs : 0;
    app.get(ShutdownState).begin();
    logger.info({ signal, drainMs }, 'Shutting down: readiness now fails');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, drainMs);
      skipDrain = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const deadline = setTimeout(() => {
      logger.error({ afterMs: SHUTDOWN_DEADLINE_MS }, 'Shutdown did not finish; exiting anyway');
      void flushLogger(logger).finally(() => process.exit(1));
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    controlSocket?.close();
    await app.close();
    logger.info('Stopped');
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** PORTCULLIS_BOOTSTRAP_ADMIN(_KEY): create the first admin with a known key, for automation. */
async function bootstrapFromEnvironment(runtime: Runtime): Promise<void> {
  const request = runtime.config.bootstrapAdmin;
  if (request === undefined) return;
  if (await hasUsableAdmin(runtime.dataSource.manager, runtime.config.adminGroup)) {
    runtime.logger.info('An admin exists; PORTCULLIS_BOOTSTRAP_ADMIN is ignored');
    return;
  }
  try {
    const admin = await createFirstAdmin(
      runtime.dataSource,
      runtime.hasher,
      runtime.config.adminGroup,
      request,
    );
    runtime.logger.info(
      { username: admin.username, keyId: admin.keyId },
      'Created the first admin from PORTCULLIS_BOOTSTRAP_ADMIN',
    );
  } catch (error) {
    if (!(error instanceof BootstrapRefusedError)) throw error;
    runtime.logger.fatal(error.message);
    await runtime.close();
    process.exit(1);
  }
}

/** PORTCULLIS_CONFIG: seed an empty database; a file that cannot be applied stops the start. */
async function seedFromConfiguration(
  app: Awaited<ReturnType<typeof createApp>>,
  runtime: Runtime,
): Promise<void> {
  try {
    await seedFromConfigFile(app, runtime);
  } catch (error) {
    const known =
      error instanceof ConfigFileError ||
      error instanceof MissingSecretsError ||
      error instanceof PlanError ||
      error instanceof ApplyStepError ||
      error instanceof ApiProblemError;
    if (!known) throw error;
    const cause = error instanceof ApplyStepError ? (error.cause as Error).message : undefined;
    runtime.logger.fatal({ cause }, `PORTCULLIS_CONFIG: ${error.message}`);
    await app.close();
    await runtime.close();
    process.exit(1);
  }
}

await main();
