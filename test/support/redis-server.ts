import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

/**
 * A private redis-server on a spare loopback port, with nothing persisted, that a test may kill
 * and start again (the shared server on 6379 must never be stopped).
 */
export class PrivateRedis {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /** Starts the server again on the same port (empty: nothing was persisted). */
  async restart(): Promise<void> {
    if (this.process) return;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    this.process = child;
    child.once('exit', () => {
      if (this.process === child) this.process = undefined;
    });
    await waitForPort(this.port);
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing answers, as in a partition. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  /** Lets a frozen server run again, with everything it held. */
  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  /** Kills the server (SIGKILL: no goodbye to its clients) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    child.kill('SIGCONT');
    await exited;
    this.process = undefined;
  }
}

// Master, replica and Sentinel processes, each with a writable config file of its own.

/** A redis-server of the test's own (never the shared one), on a free loopback port. */
export interface OwnRedis {
  port: number;
  stop(): Promise<void>;
}

/** Starts `redis-server` with the given extra directives (a replica, a sentinel, ...). */
async function startRedisProcess(directives: string[], sentinel = false): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-redis-'));
  const conf = join(dir, 'redis.conf');
  // Sentinel rewrites its config file, so every process gets a writable one of its own.
  writeFileSync(
    conf,
    [`port ${port}`, 'bind 127.0.0.1', 'save ""', 'appendonly no', `dir ${dir}`, ...directives]
      .join('\n')
      .concat('\n'),
  );
  const child: ChildProcess = spawn('redis-server', sentinel ? [conf, '--sentinel'] : [conf], {
    stdio: 'ignore',
  });
  await waitForPort(port);
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const startRedis = (): Promise<OwnRedis> => startRedisProcess([]);

export const startReplica = (masterPort: number): Promise<OwnRedis> =>
  startRedisProcess([`replicaof 127.0.0.1 ${masterPort}`]);

/** A Sentinel watching the master (and its replica) under `name`, quick to decide (tests only). */
export const startSentinel = (
  name: string,
  masterPort: number,
  replicaPort: number,
): Promise<OwnRedis> =>
  startRedisProcess(
    [
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      // Known at once, instead of after Sentinel's first 10-second INFO round.
      `sentinel known-replica ${name} 127.0.0.1 ${replicaPort}`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
    ],
    true,
  );

/** True when the redis-server binary is installed (CI installs Redis for the shared server). */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}
