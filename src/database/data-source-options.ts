import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import type { EmbeddedDatabase } from './embedded-database.js';
import { ENTITIES, MIGRATIONS } from './schema.js';

/** TypeORM options for either a PostgreSQL server (DATABASE_URL) or the embedded database. */
export function dataSourceOptions(
  config: Pick<AppConfig, 'databaseUrl' | 'databasePoolSize'>,
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
    connectTimeoutMS: 5000,
    applicationName: 'portcullis',
  };
}
