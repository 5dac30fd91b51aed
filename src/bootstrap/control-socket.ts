import { chmodSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import type { Runtime } from '../runtime.js';
import {
  BootstrapRefusedError,
  createFirstAdmin,
  type FirstAdmin,
  type FirstAdminRequest,
} from './first-admin.js';

/**
 * On the embedded database only one process may open the data directory, so while the service runs
 * the CLI cannot reach the database itself. The service then listens on a Unix socket inside the
 * data directory (owner-only, like the server secret beside it) for the one command that needs no
 * admin: bootstrap-admin.
 */
export function controlSocketPath(dataDir: string): string {
  return join(dataDir, 'control.sock');
}

export async function startControlSocket(runtime: Runtime): Promise<Server> {
  const path = controlSocketPath(runtime.config.dataDir);
  rmSync(path, { force: true });
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/bootstrap-admin') {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 4096) req.destroy();
    });
    req.on('end', () => {
      void (async () => {
        try {
          const input = JSON.parse(body) as FirstAdminRequest;
          const admin = await createFirstAdmin(
            runtime.dataSource,
            runtime.hasher,
            runtime.config.adminGroup,
            { username: String(input.username), email: input.email },
          );
          runtime.logger.info(
            { username: admin.username, keyId: admin.keyId },
            'Created the first admin',
          );
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(admin));
        } catch (error) {
          const refused = error instanceof BootstrapRefusedError || error instanceof SyntaxError;
          res
            .writeHead(refused ? 409 : 500, { 'content-type': 'application/json' })
            .end(
              JSON.stringify({ error: refused ? (error as Error).message : 'bootstrap failed' }),
            );
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  server.unref();
  return server;
}

/** Asks the running service to create the first admin. */
export function bootstrapThroughSocket(
  dataDir: string,
  input: FirstAdminRequest,
): Promise<FirstAdmin> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: controlSocketPath(dataDir), path: '/bootstrap-admin', method: 'POST' },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const parsed = JSON.parse(body || '{}') as FirstAdmin & { error?: string };
          if (res.statusCode === 201) resolve(parsed);
          else reject(new BootstrapRefusedError(parsed.error ?? `HTTP ${res.statusCode}`));
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(input));
  });
}
