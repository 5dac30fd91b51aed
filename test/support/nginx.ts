import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

const EXAMPLE = join(process.cwd(), 'deploy', 'nginx', 'portcullis.conf');

/** True when an nginx binary with auth_request is installed (`.ci/run` installs nginx-light). */
export function nginxAvailable(): boolean {
  const probe = spawnSync('nginx', ['-V'], { encoding: 'utf8' });
  return probe.status === 0 && probe.stderr.includes('http_auth_request_module');
}

export interface RunningNginx {
  port: number;
  /** The master process; its worker is its child. */
  pid: number;
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Runs real nginx with the example config from deploy/nginx, its three addresses pointed at the
 * test's Portcullis and upstream, in a throwaway prefix directory; given a rule set, its auth
 * call goes to that set's endpoint (/v1/authz/rule-sets/{name}/nginx), as docs/proxies.md shows.
 */
export async function startNginx(
  portcullisPort: number,
  upstreamPort: number,
  { ruleSet }: { ruleSet?: string } = {},
): Promise<RunningNginx> {
  const port = await freePort();
  const authCall = 'proxy_pass http://portcullis/v1/authz/nginx;';
  const site = readFileSync(EXAMPLE, 'utf8')
    .replace(
      authCall,
      ruleSet === undefined
        ? authCall
        : `proxy_pass http://portcullis/v1/authz/rule-sets/${ruleSet}/nginx;`,
    )
    .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${portcullisPort};`)
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${upstreamPort};`)
    .replace('listen 127.0.0.1:8000;', `listen 127.0.0.1:${port};`);
  return runNginx(port, (dir) => {
    writeFileSync(join(dir, 'portcullis.conf'), site);
    return `include ${dir}/portcullis.conf;`;
  });
}

/**
 * Runs nginx (one worker, no access log) in a throwaway prefix directory, with the http block's
 * own directives from `site` (given the directory), and waits until it listens on `port`.
 */
export async function runNginx(port: number, site: (dir: string) => string): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${site(dir)}
}
`,
  );
  const child: ChildProcess = spawn(
    'nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForPort(port, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`nginx did not start: ${stderr}\n${(error as Error).message}`);
  }
  return {
    port,
    pid: child.pid!,
    errorLog: () => readFileSync(join(dir, 'error.log'), 'utf8'),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGQUIT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
