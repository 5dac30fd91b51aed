import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKey } from '../../src/keys/key-format.js';
import { breakChecksum } from '../support/decisions.js';
import { call } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { registerServiceLog, rememberSecret, serviceLogFile } from '../support/secret-ledger.js';

// The built CLI and service (`npm test` builds them first), run as real processes on the embedded
// database in a fresh data directory each.
const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
const SERVICE = join(process.cwd(), 'dist', 'main.js');
const KEY_SHAPE = /pcl_[0-9A-Za-z]{44}/g;
/** PGlite creates its database on first open: slow on a busy machine. */
const STARTUP_MS = 90_000;
const TEST_MS = 180_000;

interface Install {
  dataDir: string;
  logFile: string;
  env: Record<string, string>;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunningService {
  url: string;
  child: ChildProcess;
  output(): string;
}

const tempDirs: string[] = [];
const children = new Set<ChildProcess>();

/** A fresh install: its own data directory; its log file where the secret scan reads. */
function newInstall(extra: Record<string, string> = {}): Install {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-boot-'));
  tempDirs.push(dataDir);
  const logFile = serviceLogFile('boot');
  return {
    dataDir,
    logFile,
    // A clean environment: nothing of the test runner's (DATABASE_URL, REDIS_URL, NODE_ENV) leaks in.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      DATA_DIR: dataDir,
      LOG_FILE: logFile,
      LOG_LEVEL: 'info',
      GRPC_PORT: 'off',
      ...extra,
    },
  };
}

function run(script: string, args: string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), STARTUP_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

function cli(install: Install, ...args: string[]): Promise<Finished> {
  return run(CLI, args, install.env);
}

/** Starts dist/main.js and waits until /healthz answers. */
async function startService(install: Install): Promise<RunningService> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVICE], {
    env: { ...install.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    if (exited !== undefined) throw new Error(`The service exited with ${exited}: ${output}`);
    const healthy = await call(url, 'GET', '/healthz').then(
      (reply) => reply.status === 200,
      () => false,
    );
    if (healthy) {
      registerServiceLog(install.logFile);
      return { url, child, output: () => output };
    }
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`The service did not answer /healthz within ${STARTUP_MS} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGTERM (the service closes its database and flushes its log), then SIGKILL if it lingers. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise((resolve) => (timer = setTimeout(resolve, 15_000)));
    await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.delete(child);
}

/** Every key-shaped string in some text (each noted for the secret scan). */
function keysIn(text: string): string[] {
  const keys = text.match(KEY_SHAPE) ?? [];
  keys.forEach(rememberSecret);
  return keys;
}

/** The JSON lines of a log file's text. */
function logLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function listUsers(url: string, key: string) {
  return call(url, 'GET', '/v1/admin/users', { auth: key });
}

afterAll(async () => {
  await Promise.all([...children].map((child) => stop(child)));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('bootstrap-admin on a stopped install', () => {
  let install: Install;
  let key: string;

  beforeAll(() => {
    install = newInstall();
  });

  it(
    'prints the first admin key once, and the started service accepts it',
    async () => {
      const result = await cli(install, 'bootstrap-admin', '--username', 'root', '--create');
      expect(result).toMatchObject({ code: 0 });
      expect(result.stderr).toContain(
        `Using the embedded database in ${install.dataDir} (DATA_DIR).`,
      );
      expect(result.stdout).toContain('root');
      const printed = keysIn(result.stdout);
      expect(printed).toHaveLength(1);
      key = printed[0]!;
      expect(parseKey(key)).toBeDefined();
      expect(keysIn(result.stderr)).toEqual([]);

      const service = await startService(install);
      try {
        const users = await listUsers(service.url, key);
        expect(users.status).toBe(200);
        expect(users.body.items.map((u: { username: string }) => u.username)).toEqual(['root']);
        expect(users.body.items[0].groups).toEqual(['portcullis-admins']);
        // Only that key opens it.
        expect((await listUsers(service.url, breakChecksum(key))).status).toBe(401);
      } finally {
        await stop(service.child);
      }
      expect(readFileSync(install.logFile, 'utf8')).not.toContain(key);
    },
    TEST_MS,
  );

  it(
    'refuses a second bootstrap-admin with exit code 3',
    async () => {
      expect(key).toBeDefined();
      // The database exists now: no --create needed.
      const again = await cli(install, 'bootstrap-admin', '--username', 'root2');
      expect(again.code).toBe(3);
      expect(again.stderr).toMatch(/Refused: An admin already exists/);
      expect(keysIn(again.stdout + again.stderr)).toEqual([]);

      // The refused attempt created nothing: root is still the only user.
      const service = await startService(install);
      try {
        const users = await listUsers(service.url, key);
        expect(users.body.items.map((u: { username: string }) => u.username)).toEqual(['root']);
      } finally {
        await stop(service.child);
      }
    },
    TEST_MS,
  );
});

describe('bootstrap-admin, and which database it uses', () => {
  it(
    'refuses to create a new embedded database without --create, in one line naming it',
    async () => {
      const install = newInstall();
      const missing = join(install.dataDir, 'not-here');
      const result = await cli(
        { ...install, env: { ...install.env, DATA_DIR: missing } },
        'bootstrap-admin',
        '--username',
        'root',
      );
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        expect.stringContaining(`No embedded database in ${missing} (DATA_DIR): `),
      ]);
      expect(result.stderr).toContain('DATABASE_URL');
      expect(result.stderr).toContain('--create');
      expect(existsSync(missing)).toBe(false);
    },
    TEST_MS,
  );

  it(
    'prints the admin as JSON, and nothing else, on standard output with --json',
    async () => {
      const install = newInstall();
      const result = await cli(
        install,
        'bootstrap-admin',
        '--username',
        'robot',
        '--email',
        'robot@example.com',
        '--create',
        '--json',
      );
      expect(result.code).toBe(0);
      const admin = JSON.parse(result.stdout);
      keysIn(result.stdout);
      expect(admin).toEqual({
        username: 'robot',
        userId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        group: 'portcullis-admins',
        keyId: parseKey(admin.key),
        key: expect.stringMatching(/^pcl_[0-9A-Za-z]{44}$/),
        database: { kind: 'embedded', dataDir: install.dataDir },
      });
      // The secret was generated (a warning, on standard error) and the database noted there too.
      expect(result.stderr).toContain(`Using the embedded database in ${install.dataDir}`);
      expect(keysIn(result.stderr)).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'names a PostgreSQL database by host, port and name, never its password',
    async () => {
      const port = await freePort();
      const install = newInstall({
        DATABASE_URL: `postgres://portcullis:hunter2-not-shown@127.0.0.1:${port}/accounts`,
        PORTCULLIS_SECRET: 'a'.repeat(48),
      });
      const result = await cli(install, 'bootstrap-admin', '--username', 'root', '--json');
      // Nothing listens there: it fails (1), having said where it looked.
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        `Using PostgreSQL 127.0.0.1:${port}/accounts (DATABASE_URL).`,
      );
      expect(result.stderr).not.toContain('hunter2');
    },
    TEST_MS,
  );
});

describe('bootstrap-admin while the service runs', () => {
  let install: Install;
  let service: RunningService;

  beforeAll(async () => {
    install = newInstall();
    service = await startService(install);
  }, TEST_MS);
  afterAll(async () => {
    if (service) await stop(service.child);
  });

  it(
    "goes through the service's control socket, and the key works",
    async () => {
      expect((await call(service.url, 'GET', '/v1/admin/users')).status).toBe(401);
      // The service holds the embedded database: opening it directly would fail (exit 1).
      const result = await cli(install, 'bootstrap-admin', '--username', 'ops');
      expect(result.stderr).toBe(
        `Using the embedded database in ${install.dataDir} (DATA_DIR), through the service that holds it.\n`,
      );
      expect(result.code).toBe(0);
      const printed = keysIn(result.stdout);
      expect(printed).toHaveLength(1);
      const key = printed[0]!;

      const users = await listUsers(service.url, key);
      expect(users.status).toBe(200);
      expect(users.body.items.map((u: { username: string }) => u.username)).toEqual(['ops']);

      const again = await cli(install, 'bootstrap-admin', '--username', 'ops2');
      expect(again.code).toBe(3);
      expect(again.stderr).toMatch(/Refused: An admin already exists/);

      await stop(service.child);
      const log = readFileSync(install.logFile, 'utf8');
      // Before that, its start-up hint named the command for a checkout, on its own data directory.
      const hint = logLines(log).find((line) => String(line.msg).startsWith('No admin exists'));
      expect(hint?.msg).toBe(
        'No admin exists yet. Create the first one (its key is printed once): ' +
          `DATA_DIR=${install.dataDir} npm run cli -- bootstrap-admin --username admin`,
      );
      // The service itself created the admin (the CLI logs no such line), and logged no key.
      expect(logLines(log).find((line) => line.msg === 'Created the first admin')).toMatchObject({
        username: 'ops',
        keyId: parseKey(key),
      });
      expect(log).not.toContain(key);
      expect(keysIn(log)).toEqual([]);
    },
    TEST_MS,
  );
});

describe('generate-key', () => {
  it('prints a new, well-formed key each time', async () => {
    const install = newInstall();
    const first = await cli(install, 'generate-key');
    const second = await cli(install, 'generate-key');
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const key = first.stdout.trim();
    expect(key).toMatch(/^pcl_[0-9A-Za-z]{44}$/);
    expect(parseKey(key)).toBe(key.slice(4, 12));
    expect(second.stdout.trim()).not.toBe(key);
    expect(parseKey(second.stdout.trim())).toBeDefined();
  });
});

describe('PORTCULLIS_BOOTSTRAP_ADMIN at start', () => {
  it(
    'creates an admin whose given key works, and never logs the key',
    async () => {
      const generated = await cli(newInstall(), 'generate-key');
      const key = generated.stdout.trim();
      expect(parseKey(key)).toBeDefined();
      const install = newInstall({
        PORTCULLIS_BOOTSTRAP_ADMIN: 'automation',
        PORTCULLIS_BOOTSTRAP_ADMIN_KEY: key,
      });

      const service = await startService(install);
      try {
        const users = await listUsers(service.url, key);
        expect(users.status).toBe(200);
        expect(users.body.items).toEqual([
          expect.objectContaining({ username: 'automation', groups: ['portcullis-admins'] }),
        ]);
        const keys = await call(service.url, 'GET', '/v1/admin/keys', { auth: key });
        expect(keys.body.items[0].keyId).toBe(parseKey(key));
        expect(keys.text).not.toContain(key);
      } finally {
        await stop(service.child);
      }
      const log = readFileSync(install.logFile, 'utf8');
      expect(
        logLines(log).find(
          (line) => line.msg === 'Created the first admin from PORTCULLIS_BOOTSTRAP_ADMIN',
        ),
      ).toMatchObject({ username: 'automation', keyId: parseKey(key) });
      expect(log).not.toContain(key);
      expect(keysIn(log)).toEqual([]);
      expect(service.output()).not.toContain(key);
    },
    TEST_MS,
  );
});

describe('a bad environment', () => {
  it('stops the start with exit code 1 and one message naming every bad variable', async () => {
    const install = newInstall({ PORT: 'abc', PORTCULLIS_SECRET: 'short' });
    const result = await run(SERVICE, [], install.env);
    expect(result.code).toBe(1);
    expect(result.stderr.match(/Invalid configuration/g)).toHaveLength(1);
    expect(result.stderr).toMatch(/^\s+- PORT: .*"abc"/m);
    expect(result.stderr).toMatch(/^\s+- PORTCULLIS_SECRET: /m);
    expect(result.stderr).not.toContain('short');
    // It stopped before opening anything.
    expect(existsSync(join(install.dataDir, 'pgdata'))).toBe(false);
  });
});
