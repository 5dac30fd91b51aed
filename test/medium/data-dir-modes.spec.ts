import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase } from '../../src/database/embedded-database.js';
import { createLogger, flushLogger } from '../../src/logging/logger.js';

/** Every path under dir (dir included) whose mode lets group or others in. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = statSync(path);
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

/** Runs a command as the unprivileged user nobody; its exit status and error output. */
function asNobody(...command: string[]) {
  const run = spawnSync('runuser', ['-u', 'nobody', '--', ...command], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

// The embedded data directory and the log file hold e-mail addresses, key ids and audit rows:
// another local user must read none of it. Run as root here, so `nobody` is the other user.
describe('Owner-only files: the embedded data directory and LOG_FILE', () => {
  let base: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'portcullis-modes-'));
    // A parent everyone may enter, as /var/lib or a home directory often is.
    chmodSync(base, 0o755);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));
  afterAll(() => process.umask(0o022));

  it('creates the data directory 0700 with nothing in it open to others, and nobody reads the WAL', async () => {
    const dataDir = join(base, 'data');
    const database = await EmbeddedDatabase.open(dataDir);
    await database.pglite.exec(
      "CREATE TABLE secrets (email text); INSERT INTO secrets VALUES ('alice@example.com');",
    );
    expect(database.wasOpenToOthers).toBe(0);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    await database.close();
    expect(openToOthers(dataDir)).toEqual([]);

    const wal = join(dataDir, 'pgdata', 'pg_wal');
    const segment = readdirSync(wal).find((name) => /^[0-9A-F]{24}$/.test(name))!;
    expect(segment).toBeDefined();
    const read = asNobody('cat', join(wal, segment));
    expect(read.status).not.toBe(0);
    expect(read.stderr).toContain('Permission denied');
    expect(asNobody('ls', dataDir).stderr).toContain('Permission denied');
    // The control: nobody can read what is really open to it.
    writeFileSync(join(base, 'open.txt'), 'x');
    chmodSync(join(base, 'open.txt'), 0o644);
    expect(asNobody('cat', join(base, 'open.txt')).status).toBe(0);
  });

  it('closes a data directory an earlier version left open, and says how much it closed', async () => {
    const dataDir = join(base, 'data');
    mkdirSync(join(dataDir, 'pgdata'), { recursive: true });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'left-over'), 'x');
    chmodSync(join(dataDir, 'left-over'), 0o666);
    chmodSync(join(dataDir, 'pgdata'), 0o777);
    const database = await EmbeddedDatabase.open(dataDir);
    expect(database.wasOpenToOthers).toBe(3);
    expect(openToOthers(dataDir)).toEqual([]);
    await database.close();
  });

  it('writes LOG_FILE 0600, and tightens one that exists', async () => {
    const fresh = join(base, 'fresh.log');
    const existing = join(base, 'existing.log');
    writeFileSync(existing, '');
    chmodSync(existing, 0o644);
    process.umask(0o022); // as a service that never opened an embedded database runs
    for (const logFile of [fresh, existing]) {
      const logger = createLogger({ logLevel: 'info', logFile });
      logger.info('a line');
      await flushLogger(logger);
      expect({ logFile, mode: (statSync(logFile).mode & 0o777).toString(8) }).toEqual({
        logFile,
        mode: '600',
      });
    }
  });
});
