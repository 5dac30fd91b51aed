import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from './http.js';
import { freePort } from './ports.js';
import { registerServiceLog, serviceLogFile } from './secret-ledger.js';

/** The built service (`npm test` builds it first). */
const SERVICE = join(process.cwd(), 'dist', 'main.js');
/** PGlite creates its database on first open: slow on a busy machine. */
export const STARTUP_MS = 90_000;

/**
 * A fresh install on the embedded database: its own data directory; its log file where the secret
 * scan reads (see secret-ledger.ts).
 */
export interface Install {
  dataDir: string;
  logFile: string;
  env: Record<string, string>;
  remove(): void;
}

export function newInstall(extra: Record<string, string> = {}): Install {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-proc-'));
  const logFile = serviceLogFile('proc');
  return {
    dataDir,
    logFile,
    // A clean environment: nothing of the test runner's (DATABASE_URL, REDIS_URL) leaks in.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      DATA_DIR: dataDir,
      LOG_FILE: logFile,
      LOG_LEVEL: 'info',
      GRPC_PORT: 'off',
      ...extra,
    },
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs dist/main.js until it answers /healthz; rejects with its output if it exits first. */
export async function startServiceProcess(
  install: Install,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVICE], {
    env: { ...install.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + STARTUP_MS;
  const stop = () => stopProcess(child);
  for (;;) {
    if (exited !== undefined) {
      throw new ServiceExitedError(exited, output);
    }
    const healthy = await call(url, 'GET', '/healthz').then(
      (reply) => reply.status === 200,
      () => false,
    );
    if (healthy) {
      registerServiceLog(install.logFile);
      return { url, child, stop };
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The service did not answer /healthz within ${STARTUP_MS} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export class ServiceExitedError extends Error {
  constructor(
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`The service exited with ${code}: ${output}`);
  }
}

/** SIGTERM (the service closes its database and flushes its log), then SIGKILL if it lingers. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise((resolve) => (timer = setTimeout(resolve, 15_000)));
  await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
