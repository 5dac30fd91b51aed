import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import { ENVOY_AUTHZ_PREFIX } from './envoy-http/envoy-authz.handler.js';
import { FORWARD_AUTHZ_PATH } from './forward/forward-authz.handler.js';
import { NGINX_AUTHZ_PATH } from './nginx/nginx-authz.handler.js';

/** Answers synchronously when the decision was synchronous; a promise when it was not. */
type Handle = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface DecisionHandlers {
  nginx: Handle;
  forward: Handle;
  envoy: Handle;
}

/** Proxies send headers up to their own limits (nginx: 32 KB by default); Node's default is 16 KB. */
const MAX_HEADER_BYTES = 64 * 1024;
/**
 * Idle keep-alive connections stay open longer than proxies keep theirs (nginx: 60 s, Envoy: 1 h
 * by default but it retries), so the proxy, not Portcullis, closes them: a connection closed by
 * the server just as the proxy reuses it fails that request.
 */
const KEEP_ALIVE_MS = 75_000;

/**
 * The HTTP server. The two proxy endpoints, where every protected request passes, are answered
 * straight from Node's HTTP layer; everything else goes to Fastify (and NestJS). Fastify's and
 * Nest's per-request hooks cost more than the whole decision on these routes, and the routes need
 * none of them (no body, no validation, no guards): measured, this doubles their throughput.
 */
export class DecisionServer {
  private handlers: DecisionHandlers | undefined;
  readonly server: Server;

  constructor(
    framework: (request: IncomingMessage, response: ServerResponse) => void,
    private readonly logger: Logger,
  ) {
    this.server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (request, response) => {
      const kind = decisionRoute(request.url ?? '');
      if (kind === undefined) return framework(request, response);
      this.answer(kind, request, response);
    });
    this.server.keepAliveTimeout = KEEP_ALIVE_MS;
    this.server.headersTimeout = KEEP_ALIVE_MS + 1000;
  }

  /** Called once the application is initialised; until then the proxy endpoints answer 503. */
  attach(handlers: DecisionHandlers): void {
    this.handlers = handlers;
  }

  private answer(
    kind: keyof DecisionHandlers,
    request: IncomingMessage,
    response: ServerResponse,
  ): void {
    if (this.handlers === undefined) {
      response.writeHead(503, { 'retry-after': '1' }).end();
      return;
    }
    let answered: void | Promise<void>;
    try {
      answered = this.handlers[kind](request, response);
    } catch (error) {
      this.failed(kind, response, error);
      return;
    }
    answered?.catch((error: unknown) => this.failed(kind, response, error));
  }

  /** A handler that failed, at once or later, is answered as "could not decide": never allowed. */
  private failed(kind: keyof DecisionHandlers, response: ServerResponse, error: unknown): void {
    this.logger.error(
      { err: (error as Error | undefined)?.message, route: kind },
      'Decision endpoint failed',
    );
    // nginx turns any status but 2xx, 401 and 403 into a 500.
    if (!response.headersSent) response.writeHead(kind === 'nginx' ? 403 : 503).end();
    else response.end();
  }
}

/** Which proxy endpoint a request URL names, if any. */
export function decisionRoute(url: string): keyof DecisionHandlers | undefined {
  if (!url.startsWith('/v1/authz/')) return undefined;
  if (url.startsWith(NGINX_AUTHZ_PATH))
    return isExactly(url, NGINX_AUTHZ_PATH) ? 'nginx' : undefined;
  if (url.startsWith(FORWARD_AUTHZ_PATH)) {
    return isExactly(url, FORWARD_AUTHZ_PATH) ? 'forward' : undefined;
  }
  if (url.startsWith(ENVOY_AUTHZ_PREFIX)) {
    const next = url.charCodeAt(ENVOY_AUTHZ_PREFIX.length);
    if (Number.isNaN(next) || next === 0x2f || next === 0x3f) return 'envoy';
  }
  return undefined;
}

/**
 * Whether `url` is exactly `path`, optionally with a trailing slash or a query string (Caddy
 * appends the original query to the auth call's URI).
 */
function isExactly(url: string, path: string): boolean {
  const next = url.charCodeAt(path.length);
  return Number.isNaN(next) || next === 0x3f || (next === 0x2f && url.length === path.length + 1);
}
