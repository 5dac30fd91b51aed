import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

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
