import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { join } from 'node:path';
import { DataDirLock } from './data-dir-lock.js';

/**
 * PostgreSQL compiled to WebAssembly (PGlite), running in this process, so that a newcomer needs no
 * server. It speaks the PostgreSQL wire protocol to the ordinary `pg` driver through PGlite's
 * node-postgres adapter, so the same migrations, types and parsers apply as on a real server.
 * PGlite has a single connection: the pool is capped at one client, which serialises transactions.
 */
export class EmbeddedDatabase {
  private constructor(
    readonly pglite: PGlite,
    private readonly lock: DataDirLock | undefined,
  ) {}

  /** Opens (creating if needed) the database under dataDir, or an in-memory one for "memory://". */
  static async open(dataDir: string): Promise<EmbeddedDatabase> {
    if (dataDir === 'memory://') {
      const pglite = await PGlite.create('memory://');
      return new EmbeddedDatabase(pglite, undefined);
    }
    const lock = DataDirLock.acquire(dataDir);
    try {
      const pglite = await PGlite.create(join(dataDir, 'pgdata'));
      return new EmbeddedDatabase(pglite, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Options for the `pg` pool that TypeORM creates. */
  poolOptions(): Record<string, unknown> {
    const config = createPgConfig(this.pglite);
    return {
      ...config,
      connection: config.connection,
      max: 1,
      // The adapter's single connection object must outlive idle periods: never reap the client.
      idleTimeoutMillis: 0,
    };
  }

  async close(): Promise<void> {
    try {
      await this.pglite.close();
    } finally {
      this.lock?.release();
    }
  }
}
