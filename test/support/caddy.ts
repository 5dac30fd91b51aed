import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

const EXAMPLE = join(process.cwd(), 'deploy', 'caddy', 'Caddyfile');

/** True when a caddy binary is installed (`.ci/run` installs Debian's caddy). */
export function caddyAvailable(): boolean {
  return spawnSync('caddy', ['version'], { encoding: 'utf8' }).status === 0;
}

export interface RunningCaddy {
  port: number;
  stop(): Promise<void>;
}

/**
 * Runs real Caddy with the example Caddyfile from deploy/caddy, its three addresses pointed at the
 * test's Portcullis and upstream, with no admin endpoint and its storage in a throwaway directory;
 * given a rule set, forward_auth calls that set's endpoint (/v1/authz/rule-sets/{name}/forward).
 */
export async function startCaddy(
  portcullisPort: number,
  upstreamPort: number,
  { ruleSet }: { ruleSet?: string } = {},
): Promise<RunningCaddy> {
  const port = await freePort();
  const authUri = 'uri /v1/authz/forward';
  const site = readFileSync(EXAMPLE, 'utf8')
    .replace(
      authUri,
      ruleSet === undefined ? authUri : `uri /v1/authz/rule-sets/${ruleSet}/forward`,
    )
    .replace(':8000 {', `:${port} {`)
    .replace('forward_auth 127.0.0.1:8080', `forward_auth 127.0.0.1:${portcullisPort}`)
    .replace('reverse_proxy 127.0.0.1:3000', `reverse_proxy 127.0.0.1:${upstreamPort}`);
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-caddy-'));
  const config = join(dir, 'Caddyfile');
  writeFileSync(config, `{\n\tadmin off\n}\n\n${site}`);
  const child = spawn('caddy', ['run', '--config', config, '--adapter', 'caddyfile'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_resolve, reject) =>
    child.once('exit', (code) => reject(new Error(`caddy exited with ${code}`))),
  );
  try {
    await Promise.race([waitForPort(port, 10_000), exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`caddy did not start: ${stderr}\n${(error as Error).message}`);
  }
  return {
    port,
    async stop() {
      const stopped = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
