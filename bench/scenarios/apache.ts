// The peer: Apache httpd with Debian's libapache2-mod-oauth2 (liboauth2), validating the same RS256
// JWT in front of the same upstream.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { freePort, work } from '../harness.js';

const MODULES = '/usr/lib/apache2/modules';

/** Installs apache2 and mod_oauth2 with apt-get when missing; false when that is not possible. */
export function ensureApache(): boolean {
  const present = () =>
    spawnSync('/usr/sbin/apache2', ['-v']).status === 0 &&
    spawnSync('test', ['-f', `${MODULES}/mod_oauth2.so`]).status === 0;
  if (present()) return true;
  console.log('Apache mod_oauth2 is missing: installing libapache2-mod-oauth2 with apt-get ...');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  spawnSync('apt-get', ['install', '-y', '-qq', 'libapache2-mod-oauth2'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return present();
}

export interface RunningApache {
  url: string;
  /** The parent process; its workers are its children. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Apache (event MPM) accepting a bearer JWT signed by `publicJwk` (signature and `exp` checked;
 * mod_oauth2's `jwk` verifier has no issuer to compare) and proxying to the upstream.
 */
export async function startApache(publicJwk: JWK, upstreamPort: number): Promise<RunningApache> {
  const dir = join(work, `apache-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const modules = ['mpm_event', 'authn_core', 'authz_core', 'authz_user', 'proxy', 'proxy_http'];
  writeFileSync(
    join(dir, 'httpd.conf'),
    `ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
LogLevel warn
User www-data
Group www-data
${modules.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`).join('\n')}
LoadModule oauth2_module ${MODULES}/mod_oauth2.so
<Location />
  AuthType oauth2
  OAuth2TokenVerify jwk ${JSON.stringify(JSON.stringify(publicJwk))} verify.exp=required&verify.iss=skip
  Require valid-user
  ProxyPass http://127.0.0.1:${upstreamPort}/ keepalive=On
</Location>
`,
  );
  const child: ChildProcess = spawn(
    '/usr/sbin/apache2',
    ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'],
    {
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`Apache did not start: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
