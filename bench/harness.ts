// What every benchmark scenario shares: loopback servers started as child processes, paired runs
// against a baseline measured in the same minute, and the bookkeeping of results.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  RESOURCE,
  type TestOidcProvider,
} from '../test/support/oidc-provider.js';
import { freePort } from '../test/support/ports.js';
import { runLoad, type LoadResult } from './load.js';
import { cpuSecondsOf } from './server-cpu.js';
import { median, percentile, ratioOf } from './verdicts.js';

export { freePort };
// The statistics live in verdicts.ts (pure, unit-tested); scenarios take them from here.
export { median, percentile, ratioOf };

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);
export const WARMUP_SECONDS = 2;
export const CONNECTIONS = 50;
export const work = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));

/** One counted run: what the load generator saw, and what serving it cost. */
export interface RunResult extends LoadResult {
  /** CPU microseconds the target's servers spent per response (when they are named). */
  serverCpuUs?: number;
}

/** Counted runs of one scenario, each right after a run of its baseline. */
export interface Measured {
  runs: RunResult[];
  baselineRuns: RunResult[];
  peakRssMb?: number;
}

export interface ScenarioResult {
  /** Row label in the table. */
  name: string;
  /** What the ratio is taken against, e.g. "floor" or "Apache mod_oauth2". */
  baseline: string;
  result: Measured;
}

/** One request shape for a load run: where, with which headers, expecting which status. */
export interface Target {
  url: string;
  headers?: Record<string, string>;
  status: number;
  /** Bearer keys to send in turn, one per line (see load.ts). */
  keysFile?: string;
  /** The processes that answer (with their children), whose CPU per response is reported. */
  servers?: readonly number[];
  /** Run before each run of this target (and its warm-up), outside the measured time. */
  prepare?: () => Promise<void>;
}

/** A load generator: wrk for HTTP; the gRPC scenario brings its own. */
export type Load = (target: Target, seconds: number) => Promise<LoadResult>;

export const wrkLoad: Load = (target, seconds) =>
  runLoad(
    {
      url: target.url,
      headers: target.headers ?? {},
      seconds,
      connections: CONNECTIONS,
      expectStatus: target.status,
      keysFile: target.keysFile,
    },
    join(work, 'status.lua'),
  );

/** Warm-up, then RUNS counted runs, each right after a run of the baseline (a ratio per pair). */
export async function measure(
  target: Target,
  baseline: Target,
  load: Load = wrkLoad,
): Promise<Measured> {
  const counted = async (what: Target): Promise<RunResult> => {
    await what.prepare?.();
    if (what.servers === undefined) return load(what, SECONDS);
    const cpuBefore = cpuSecondsOf(what.servers);
    const result = await load(what, SECONDS);
    const cpu = cpuSecondsOf(what.servers) - cpuBefore;
    return { ...result, serverCpuUs: (cpu * 1e6) / Math.max(1, result.requests) };
  };
  await target.prepare?.();
  await load(target, WARMUP_SECONDS);
  const runs: RunResult[] = [];
  const baselineRuns: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    baselineRuns.push(await counted(baseline));
    runs.push(await counted(target));
  }
  console.log(
    `  ${target.url.replace(/^\w+:\/\/127\.0\.0\.1:\d+/, '')} expecting ${target.status}: ` +
      `ratio ${ratioOf({ runs, baselineRuns }).toFixed(2)}`,
  );
  return { runs, baselineRuns };
}

/** Whole seconds since `startedAt` (a Date.now()), for progress lines. */
export function secondsSince(startedAt: number): string {
  return ((Date.now() - startedAt) / 1000).toFixed(0);
}

/** The floor, and the upstream of the end-to-end scenarios: a bare node:http server saying 200. */
export async function startFloor(): Promise<{
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
}> {
  const port = await freePort();
  const child = fork(join(import.meta.dirname, 'floor-server.js'), [String(port)], {
    stdio: 'ignore',
  });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the floor server exited (${code})`)));
  });
  return { child, pid: child.pid!, port, url: `http://127.0.0.1:${port}/` };
}

export interface RunningPortcullis {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  grpcPort: number | undefined;
  /** When the process was started (Date.now()). */
  startedAt: number;
}

/**
 * Starts `dist/main.js` as production would, and waits until /readyz answers. `nodeOptions` are
 * Node's own flags (a profiler, for instance).
 */
export async function startPortcullis(
  env: Record<string, string>,
  nodeOptions: string[] = [],
): Promise<RunningPortcullis> {
  const port = await freePort();
  const grpcPort = env.GRPC_PORT === 'auto' ? await freePort() : undefined;
  mkdirSync(join(work, 'data'), { recursive: true });
  const startedAt = Date.now();
  const child = spawn(process.execPath, [...nodeOptions, 'dist/main.js'], {
    env: {
      ...process.env,
      ...env,
      ...(grpcPort !== undefined && { GRPC_PORT: String(grpcPort) }),
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error('Portcullis did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, pid: child.pid!, port, url, grpcPort, startedAt };
}

/** An admin API client for a benchmark instance. */
export function adminApi(url: string, adminKey: string) {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> => {
    const response = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
}

/** Registers the test OpenID provider, its tokens mapped to local users by `sub`. */
export async function registerTestProvider(
  api: ReturnType<typeof adminApi>,
  idp: TestOidcProvider,
  name: string,
): Promise<void> {
  await api('POST', '/v1/admin/providers', {
    name,
    preset: 'custom',
    issuer: idp.issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    validation: 'auto',
    audience: RESOURCE,
    usernameAttribute: 'sub',
  });
}

/** Creates the user (once) and a never-expiring bearer key for them; returns the key. */
export async function createKey(
  url: string,
  adminKey: string,
  username = 'bench-user',
): Promise<{ id: string; key: string }> {
  const api = adminApi(url, adminKey);
  await api('POST', '/v1/admin/users', { username }).catch(() => undefined);
  return api<{ id: string; key: string }>('POST', '/v1/admin/keys', {
    username,
    name: `bench-${Math.random().toString(36).slice(2, 8)}`,
    type: 'bearer',
    expiresIn: 'never',
  });
}

/** Peak resident memory (VmHWM) of a running process, in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Current resident memory (VmRSS) of a running process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
