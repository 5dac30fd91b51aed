import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { join } from 'node:path';
import { DataDirLock, DataDirLockedError, DataDirUnusableError } from './data-dir-lock.js';
import { restrictToOwner } from './owner-only.js';

/** Where PGlite keeps its files under DATA_DIR: present once a database was created there. */
export function embeddedDataPath(dataDir: string): string {
  return join(dataDir, 'pgdata');
}

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
    /** Entries of an existing data directory that other users could read, now owner-only. */
    readonly wasOpenToOthers: number,
    private readonly dataDir?: string,
  ) {}

  /**
   * Opens (creating if needed) the database under dataDir, or an in-memory one for "memory://".
   * The directory and everything in it are made owner-only, before (an earlier version left them
   * open) and after PGlite writes; the process's umask becomes 077, so what PGlite creates later
   * is owner-only too where PGlite lets the umask apply (its directories; its files are 0666 inside
   * the 0700 directory).
   */
  static async open(dataDir: string): Promise<EmbeddedDatabase> {
    if (dataDir === 'memory://') {
      const pglite = await PGlite.create('memory://');
      return new EmbeddedDatabase(pglite, undefined, 0);
    }
    process.umask(0o077);
    const wasOpenToOthers = unusableUnlessDone(dataDir, () => restrictToOwner(dataDir));
    const lock = lockOrExplain(dataDir);
    try {
      const pglite = await PGlite.create(embeddedDataPath(dataDir));
      restrictToOwner(dataDir);
      return new EmbeddedDatabase(pglite, lock, wasOpenToOthers, dataDir);
    } catch (error) {
      lock.release();
      throw new DataDirUnusableError(dataDir, error);
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
      // What PGlite wrote since opening (WAL segments) is 0666: tighten it for the next reader.
      if (this.dataDir !== undefined) restrictToOwner(this.dataDir);
    } finally {
      this.lock?.release();
    }
  }
}

/** Runs a file system step on the data directory; its failure says which directory and why. */
export function unusableUnlessDone<T>(dataDir: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new DataDirUnusableError(dataDir, error);
  }
}

/** The lock: refused as DataDirLockedError when a live process holds it, else unusable. */
function lockOrExplain(dataDir: string): DataDirLock {
  try {
    return DataDirLock.acquire(dataDir);
  } catch (error) {
    if (error instanceof DataDirLockedError) throw error;
    throw new DataDirUnusableError(dataDir, error);
  }
}
