import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { newInstall, STARTUP_MS, type Install } from '../support/service-process.js';

// The built service (`npm test` builds it first), started where it cannot run: each failure is one
// line on stderr naming the variable to change, no stack trace, and its documented exit code
// (docs/troubleshooting.md).
const SERVICE = join(process.cwd(), 'dist', 'main.js');
const TEST_MS = 180_000;

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runService(install: Install, env: Record<string, string>): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVICE], {
      env: { ...install.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // It should stop by itself; should it start instead, the test fails on its exit code.
    const timer = setTimeout(() => child.kill('SIGKILL'), STARTUP_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port held by another listener for the length of a test. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

function expectOneCleanLine(result: Exited, variable: string): string {
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(variable);
  for (const output of [result.stdout, result.stderr]) expect(output).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('Start-up failures, through the real process', () => {
  // One data directory for the port cases: the first run creates its database, the next reuses it
  // (which also shows that a failed start closes the database cleanly).
  let install: Install;
  let held: { port: number; server: Server } | undefined;

  beforeAll(() => {
    install = newInstall();
  });
  afterEach(async () => {
    await new Promise((resolve) => (held ? held.server.close(resolve) : resolve(undefined)));
    held = undefined;
  });
  afterAll(() => install.remove());

  it(
    'a busy HTTP port: exit code 20, naming PORT',
    async () => {
      held = await holdPort();
      const result = await runService(install, { PORT: String(held.port), GRPC_PORT: 'off' });
      expect(result.code).toBe(20);
      const line = expectOneCleanLine(result, 'PORT');
      expect(line).toBe(
        `Cannot listen on 127.0.0.1:${held.port}: another process uses that port. ` +
          'Set PORT to a free port, or stop the other process.',
      );
    },
    TEST_MS,
  );

  it(
    "an address that is not this machine's: exit code 20, naming HOST",
    async () => {
      // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this host.
      const result = await runService(install, {
        HOST: '192.0.2.1',
        PORT: '8080',
        GRPC_PORT: 'off',
      });
      expect(result.code).toBe(20);
      expect(expectOneCleanLine(result, 'HOST')).toContain('Cannot listen on 192.0.2.1:8080');
    },
    TEST_MS,
  );

  it(
    'a busy gRPC port: exit code 21, naming GRPC_PORT',
    async () => {
      held = await holdPort();
      const result = await runService(install, { PORT: '0', GRPC_PORT: String(held.port) });
      expect(result.code).toBe(21);
      const line = expectOneCleanLine(result, 'GRPC_PORT');
      expect(line).toContain(`127.0.0.1:${held.port}`);
      expect(line).toContain('GRPC_PORT=off');
    },
    TEST_MS,
  );

  it(
    'a data directory another live Portcullis holds: exit code 22, naming DATA_DIR',
    async () => {
      const locked = newInstall();
      try {
        // This test runner stands for the other process: a live pid holds the lock.
        writeFileSync(join(locked.dataDir, 'portcullis.lock'), String(process.pid));
        const result = await runService(locked, { PORT: '0' });
        expect(result.code).toBe(22);
        const line = expectOneCleanLine(result, 'DATA_DIR');
        expect(line).toContain(`${locked.dataDir} is in use by another Portcullis process`);
        expect(line).toContain(`(pid ${process.pid})`);
      } finally {
        locked.remove();
      }
    },
    TEST_MS,
  );

  it(
    'a data directory that cannot be made: exit code 23, naming DATA_DIR',
    async () => {
      const file = join(install.dataDir, 'a-file');
      writeFileSync(file, 'not a directory');
      const result = await runService(install, { PORT: '0', DATA_DIR: join(file, 'data') });
      expect(result.code).toBe(23);
      const line = expectOneCleanLine(result, 'DATA_DIR');
      expect(line).toContain(`The data directory ${join(file, 'data')} cannot be used (ENOTDIR`);
    },
    TEST_MS,
  );

  it(
    'an invalid environment: exit code 1, naming each variable',
    async () => {
      const result = await runService(install, { PORT: 'eighty' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^\s+- PORT: /m);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
    TEST_MS,
  );
});
