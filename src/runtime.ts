import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { AppConfig } from './config/app-config.js';
import { InProcessBus, InProcessStore } from './cache/in-process-store.js';
import { RedisBus, RedisStore, type RedisTarget } from './cache/redis-store.js';
import type { MessageBus, SharedStore } from './cache/shared-store.js';
import { KeyHasher } from './crypto/key-hasher.js';
import { SharedCounters, UnsharedCounters } from './limits/shared-counters.js';
import { SecretBox } from './crypto/secret-box.js';
import { resolveServerSecret } from './crypto/server-secret.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { EmbeddedDatabase, unusableUnlessDone } from './database/embedded-database.js';
import { runMigrations } from './database/migrate.js';
import { enforceQueryDeadline } from './database/query-deadline.js';
import { flushLogger, type Logger } from './logging/logger.js';
import { resealClientSecrets } from './providers/reseal-client-secrets.js';

/**
 * The process-wide resources that live outside NestJS's container: opened once at start (by the
 * service, the CLI and the tests alike) and closed once at the end.
 */
export interface Runtime {
  config: AppConfig;
  logger: Logger;
  hasher: KeyHasher;
  /** Encrypts secrets kept for later use (providers' client secrets). */
  secrets: SecretBox;
  dataSource: DataSource;
  store: SharedStore;
  bus: MessageBus;
  /** Rate limits' counters: Redis's, or none to share (one instance). */
  counters: SharedCounters;
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Run pending migrations after connecting (the service and tests do; `migrate` does it itself). */
  migrate?: boolean;
  /** Open the shared store and bus (the CLI needs only the database). */
  withCache?: boolean;
}

export async function openRuntime(
  config: AppConfig,
  logger: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const { migrate = true, withCache = true } = options;
  // Without PORTCULLIS_SECRET the secret lives in the data directory: a failure there is its own.
  const secret =
    config.secret === undefined
      ? unusableUnlessDone(config.dataDir, () => resolveServerSecret(config))
      : resolveServerSecret(config);
  if (secret.source === 'generated') {
    logger.warn(
      { dataDir: config.dataDir },
      'Generated a server secret in the data directory; back it up: stored keys cannot be checked without it',
    );
  }
  const embedded =
    config.databaseUrl === undefined ? await EmbeddedDatabase.open(config.dataDir) : undefined;
  if (embedded !== undefined && embedded.wasOpenToOthers > 0) {
    logger.warn(
      { dataDir: config.dataDir, entries: embedded.wasOpenToOthers },
      'The data directory was readable by other users; it and its files are now owner-only (0700/0600)',
    );
  }
  const dataSource = new DataSource(dataSourceOptions(config, embedded));
  try {
    await dataSource.initialize();
    if (migrate) {
      const applied = await runMigrations(dataSource, embedded === undefined);
      if (applied.length > 0) {
        logger.info({ migrations: applied.map((m) => m.name) }, 'Applied database migrations');
      }
    }
    if (embedded === undefined) enforceQueryDeadline(dataSource, config.databaseQueryTimeoutMs);
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.close();
    throw error;
  }

  const hasher = new KeyHasher(secret.value, config.previousSecret);
  const secrets = new SecretBox(secret.value, config.previousSecret);
  if (config.previousSecret !== undefined) {
    const resealed = migrate ? await resealClientSecrets(dataSource, secrets) : 0;
    logger.warn(
      { resealedProviderSecrets: resealed },
      'PORTCULLIS_PREVIOUS_SECRET is set: keys stored under it still work and are re-hashed when used; ' +
        'remove it once the transition window is over',
    );
  }

  const redis = withCache ? redisTarget(config) : undefined;
  const redisStore = redis ? new RedisStore(redis, config.redisKeyPrefix, logger) : undefined;
  const store: SharedStore = redisStore ?? new InProcessStore();
  const bus: MessageBus = redis
    ? new RedisBus(redis, config.redisKeyPrefix, logger)
    : new InProcessBus();

  return {
    config,
    logger,
    hasher,
    secrets,
    dataSource,
    store,
    bus,
    counters: redisStore ?? new UnsharedCounters(),
    embedded,
    async close() {
      await Promise.allSettled([store.close(), bus.close()]);
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.close();
      await flushLogger(logger);
    },
  };
}

function redisTarget(config: AppConfig): RedisTarget | undefined {
  if (config.redisUrl !== undefined) return { url: config.redisUrl };
  if (config.redisSentinel !== undefined) return { sentinel: config.redisSentinel };
  return undefined;
}
