import type { DataSource, Migration } from 'typeorm';

// An arbitrary, fixed advisory-lock id: instances starting together take turns migrating.
const MIGRATION_LOCK_ID = 7_201_553;

/** Runs pending migrations, one instance at a time on a shared server. */
export async function runMigrations(dataSource: DataSource, shared: boolean): Promise<Migration[]> {
  if (!shared) return dataSource.runMigrations({ transaction: 'all' });
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    return await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await lock.release();
  }
}
