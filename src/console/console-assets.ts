import type { FastifyInstance, FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` puts the console (from src/console and dist/console alike). */
export const CONSOLE_ASSETS_DIR = fileURLToPath(
  new URL('../../dist/console-assets', import.meta.url),
);

/**
 * Only this origin's scripts, styles, images and API; no inline code, no framing, no plugins.
 * The console is a static bundle with no inline script, so nothing needs 'unsafe-inline'.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** Vite names bundled files by their content hash: such a name never changes its content. */
  immutable: boolean;
}

/** Every file of the built console, read once: the bundle is small and never changes at run time. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const type = TYPES[extname(name)];
      if (type === undefined) continue;
      const body = readFileSync(path);
      const urlPath = relative(dir, path).split(sep).join('/');
      assets.set(urlPath, {
        body,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: urlPath.startsWith('assets/'),
      });
    }
  };
  walk(dir);
  return assets;
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

/**
 * Serves the web console under /console: hashed assets cached for a year, and index.html (also
 * for every page path, which the console routes itself) revalidated on each load, so a new
 * version is picked up at once. Registered on Fastify directly: static files need none of Nest's
 * guards or pipes. /console/session is the session API (a more specific route, so it wins).
 */
export function serveConsole(fastify: FastifyInstance, dir = CONSOLE_ASSETS_DIR): void {
  const assets = loadAssets(dir);
  const index = assets.get('index.html');

  const send = (reply: FastifyReply, asset: Asset, ifNoneMatch: string | undefined) => {
    securityHeaders(reply)
      .header('etag', asset.etag)
      .header(
        'cache-control',
        asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    if (ifNoneMatch === asset.etag) return reply.status(304).send();
    return reply.type(asset.type).send(asset.body);
  };

  const handler = async (
    request: { params: unknown; headers: Record<string, string | string[] | undefined> },
    reply: FastifyReply,
  ) => {
    const path = ((request.params as { '*'?: string })['*'] ?? '').replace(/^\/+/, '');
    const ifNoneMatch = request.headers['if-none-match'] as string | undefined;
    const asset = assets.get(path);
    if (asset !== undefined) return send(reply, asset, ifNoneMatch);
    // A file that is not there is a 404; a page path is the console's own route.
    if (path.startsWith('assets/') || extname(path) !== '' || index === undefined) {
      return securityHeaders(reply)
        .status(404)
        .type('application/problem+json')
        .send({
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          detail:
            index === undefined
              ? 'The web console is not built: run npm run build'
              : 'No such file in the web console',
        });
    }
    return send(reply, index, ifNoneMatch);
  };

  // Fastify ignores trailing slashes here, so /console and /console/ are one route.
  fastify.get('/console', handler);
  fastify.get('/console/*', handler);
}
