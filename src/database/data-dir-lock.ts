import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by another Portcullis process (pid ${pid}). ` +
        'It can only be opened by one process at a time: stop that process, set DATA_DIR to ' +
        'another directory, or set DATABASE_URL to share a PostgreSQL server between instances.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** The data directory cannot be created, read or written, or PGlite cannot open what is in it. */
export class DataDirUnusableError extends Error {
  constructor(
    readonly dataDir: string,
    override readonly cause: unknown,
  ) {
    const reason = String((cause as Error | undefined)?.message ?? cause).split('\n')[0];
    super(
      `The data directory ${dataDir} cannot be used (${reason}). Set DATA_DIR to a directory ` +
        'this user can write, or fix its ownership and permissions.',
    );
    this.name = 'DataDirUnusableError';
  }
}

/**
 * An exclusive lock on the embedded data directory. PGlite opens a directory that another process
 * already has open without complaint and the two then lose each other's writes, so we refuse first.
 * The lock file holds the owner's pid; a lock whose owner is gone is stale and taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, 'portcullis.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        const lock = new DataDirLock(path);
        // Released however the process ends, so a crash does not leave the directory locked.
        process.once('exit', () => lock.release());
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
          throw new DataDirLockedError(dataDir, owner);
        }
        rmSync(path, { force: true });
      }
    }
    throw new Error(`Could not lock ${dataDir}`);
  }

  /** The pid holding the lock on dataDir, if a live process holds it. */
  static holder(dataDir: string): number | undefined {
    try {
      const owner = Number(readFileSync(join(dataDir, 'portcullis.lock'), 'utf8').trim());
      return Number.isInteger(owner) && owner > 0 && isAlive(owner) ? owner : undefined;
    } catch {
      return undefined;
    }
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
