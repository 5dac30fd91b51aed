import { randomBytes } from 'node:crypto';
import pg from 'pg';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';

export { LOG_DIR } from './secret-ledger.js';

/** The real PostgreSQL server to test against, if TEST_DATABASE_URL names one. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;

/** One migrated template per test run (named by the global setup); test databases clone it. */
const TEMPLATE = `portcullis_tpl_${process.env.PORTCULLIS_TEST_RUN ?? 'adhoc'}`;
const TEMPLATE_LOCK_ID = 7_201_554;

export function databaseUrl(database: string): string {
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the migrated template unless this run already has it (safe across parallel workers). */
async function ensureTemplate(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_ID]);
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE]);
    if (exists.rowCount) return;
    await client.query(`CREATE DATABASE ${TEMPLATE}`);
    const dataSource = new DataSource(
      dataSourceOptions({ databaseUrl: databaseUrl(TEMPLATE), databasePoolSize: 1 }, undefined),
    );
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
    await dataSource.destroy();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_ID]);
  }
}

export interface TestDatabase {
  /** DATABASE_URL for the service, or undefined for the embedded (in-memory) database. */
  url: string | undefined;
  drop(): Promise<void>;
}

/** A fresh database for one test: a clone of the template, or an in-memory embedded one. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) return { url: undefined, drop: async () => undefined };
  const name = `portcullis_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(async (client) => {
    await ensureTemplate(client);
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  });
  return {
    url: databaseUrl(name),
    drop: async () => {
      await withAdminClient((client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
}
