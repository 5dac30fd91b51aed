import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import type { EmbeddedDatabase } from './embedded-database.js';
import { ENTITIES, MIGRATIONS } from './schema.js';

/** TypeORM options for either a PostgreSQL server (DATABASE_URL) or the embedded database. */
export function dataSourceOptions(
  config: Pick<AppConfig, 'databaseUrl' | 'databasePoolSize'> &
    Partial<Pick<AppConfig, 'databaseQueryTimeoutMs'>>,
  embedded: EmbeddedDatabase | undefined,
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
  };
  if (embedded !== undefined) {
    return { ...common, extra: embedded.poolOptions() };
  }
  return {
    ...common,
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    // Also the longest wait for a free pooled connection.
    connectTimeoutMS: config.databaseQueryTimeoutMs ?? 5000,
    applicationName: 'portcullis',
  };
}
