import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/keys/key-format.js';
import { createKey, createUser, eventually, nginxCheck } from '../support/decisions.js';
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from '../support/databases.js';
import { client } from '../support/http.js';
import { freePort, waitForPort } from '../support/ports.js';
import { registerServiceLog, serviceLogFile } from '../support/secret-ledger.js';
import { TEST_SECRET } from '../support/test-app.js';

/** The built service (`node dist/main.js`) as a child process, as it runs in production. */
class ServiceProcess {
  private exit: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(env: Record<string, string>): Promise<ServiceProcess> {
    const port = await freePort();
    const logFile = serviceLogFile('proc');
    const child = spawn(process.execPath, ['dist/main.js'], {
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: String(port),
        GRPC_PORT: 'off',
        PORTCULLIS_SECRET: TEST_SECRET,
        LOG_FILE: logFile,
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const service = new ServiceProcess(child, port);
    await Promise.race([
      waitForPort(port, 30_000),
      service.exit.then((code) => Promise.reject(new Error(`The service exited (${code})`))),
    ]);
    registerServiceLog(logFile);
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  exited(): Promise<number | null> {
    return this.exit;
  }
}

/** Whether a new connection to the port is accepted right now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends a request's head and half its body, and returns a way to finish it and read the answer. */
function startRequest(
  port: number,
  path: string,
  authorization: string,
  body: string,
): Promise<{ finish(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1', () => {
      const half = Math.floor(body.length / 2);
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
          body.slice(0, half),
      );
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      const ended = new Promise<string>((done) => socket.once('close', () => done(answer)));
      resolve({
        finish: async () => {
          socket.write(body.slice(half));
          // The answer is complete when its body is; the server may keep the connection open.
          await eventually(10_000, async () => /\r\n\r\n\{.*\}$/s.test(answer));
          socket.end();
          await ended;
          return answer;
        },
      });
    });
    socket.once('error', reject);
  });
}

// SIGTERM to the real service process: readiness fails first while requests are still served,
// then no new connection is accepted, a request already in flight is answered, the key use
// gathered for the next batch is written, and the process exits 0.
describe('Graceful shutdown', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'portcullis-shutdown-'));
    env = {
      ...(database.url ? { DATABASE_URL: database.url } : { DATA_DIR: dataDir }),
      ...(TEST_REDIS_URL && {
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: `test:${randomBytes(4).toString('hex')}:`,
      }),
      PORTCULLIS_BOOTSTRAP_ADMIN: 'admin',
      PORTCULLIS_BOOTSTRAP_ADMIN_KEY: generateKey().plaintext,
      // Key use is written only at shutdown, unless the service is stopped without it.
      LAST_USED_FLUSH_SECONDS: '3600',
      SHUTDOWN_DRAIN_SECONDS: '3',
    };
  });

  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails readiness first, finishes requests in flight, writes pending key use, exits 0', async () => {
    const first = await ServiceProcess.start(env);
    const adminKey = env.PORTCULLIS_BOOTSTRAP_ADMIN_KEY!;
    const admin = client(first.url, adminKey);
    await createUser(admin, 'alice');
    const key = await createKey(admin, { username: 'alice' });
    const usedAt = Date.now();
    expect((await nginxCheck(first.url, { authorization: `Bearer ${key.key}` })).status).toBe(200);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    const inFlight = await startRequest(
      first.port,
      '/v1/admin/groups',
      `Bearer ${adminKey}`,
      JSON.stringify({ name: 'created-while-stopping', description: 'x'.repeat(200) }),
    );

    first.signal('SIGTERM');
    // Readiness fails at once, while decisions are still answered (the drain).
    await eventually(2000, async () => (await fetch(`${first.url}/readyz`)).status === 503, 10);
    const ready = (await (await fetch(`${first.url}/readyz`)).json()) as {
      checks: Record<string, unknown>;
    };
    expect(ready.checks.shutdown).toEqual({ status: 'failing', detail: 'shutting down' });
    expect((await nginxCheck(first.url, { authorization: `Bearer ${key.key}` })).status).toBe(200);
    // Then no new connection is accepted; the one in flight is still answered.
    await eventually(10_000, async () => !(await accepts(first.port)));
    const answer = await inFlight.finish();
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    expect(await first.exited()).toBe(0);

    // The key use gathered since the last batch was written on the way out.
    const second = await ServiceProcess.start(env);
    try {
      const stored = await client(second.url, adminKey).get(`/v1/admin/keys/${key.id}`);
      expect(stored.status).toBe(200);
      expect(Date.parse(stored.body.lastUsedAt)).toBeGreaterThanOrEqual(usedAt - 1000);
      const groups = await client(second.url, adminKey).get('/v1/admin/groups');
      expect(JSON.stringify(groups.body)).toContain('created-while-stopping');
    } finally {
      second.signal('SIGINT');
      expect(await second.exited()).toBe(0);
    }
  }, 120_000);
});
