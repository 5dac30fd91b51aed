import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import { ENVOY_AUTHZ_PREFIX } from './envoy-http/envoy-authz.handler.js';
import { FORWARD_AUTHZ_PATH } from './forward/forward-authz.handler.js';
import { NGINX_AUTHZ_PATH } from './nginx/nginx-authz.handler.js';
import { RULE_NAME } from '../policies/rules/rule.js';

/** Answers synchronously when the decision was synchronous; a promise when it was not. */
type Handle = (
  request: IncomingMessage,
  response: ServerResponse,
  route: DecisionRoute,
) => void | Promise<void>;

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
      const route = decisionRoute(request.url ?? '');
      if (route === undefined) return framework(request, response);
      this.answer(route, request, response);
    });
    this.server.keepAliveTimeout = KEEP_ALIVE_MS;
    this.server.headersTimeout = KEEP_ALIVE_MS + 1000;
  }

  /** Called once the application is initialised; until then the proxy endpoints answer 503. */
  attach(handlers: DecisionHandlers): void {
    this.handlers = handlers;
  }

  private answer(route: DecisionRoute, request: IncomingMessage, response: ServerResponse): void {
    const kind = route.kind;
    if (this.handlers === undefined) {
      response.writeHead(503, { 'retry-after': '1' }).end();
      return;
    }
    let answered: void | Promise<void>;
    try {
      answered = this.handlers[kind](request, response, route);
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

/** A proxy endpoint, and the rule set it decides by. */
export interface DecisionRoute {
  readonly kind: keyof DecisionHandlers;
  /** The named rule set (from /v1/authz/rule-sets/{name}/...); null: the global list. */
  readonly ruleSet: string | null;
  /** Where the endpoint's own path ends: Envoy's HTTP mode appends the original path there. */
  readonly pathLength: number;
}

const AUTHZ = '/v1/authz';
const RULE_SETS = `${AUTHZ}/rule-sets/`;
/** The global routes, made once: most decisions take one of these. */
const GLOBAL: Record<keyof DecisionHandlers, DecisionRoute> = {
  nginx: { kind: 'nginx', ruleSet: null, pathLength: NGINX_AUTHZ_PATH.length },
  forward: { kind: 'forward', ruleSet: null, pathLength: FORWARD_AUTHZ_PATH.length },
  envoy: { kind: 'envoy', ruleSet: null, pathLength: ENVOY_AUTHZ_PREFIX.length },
};

/**
 * Which proxy endpoint a request URL names, if any: `/v1/authz/{nginx,forward,envoy}` decide by
 * the global list, `/v1/authz/rule-sets/{name}/{nginx,forward,envoy}` by a named rule set. The set
 * is in the path, never the query: Caddy appends the client's query string to the auth call's URI.
 */
export function decisionRoute(url: string): DecisionRoute | undefined {
  if (!url.startsWith(AUTHZ)) return undefined;
  if (!url.startsWith(RULE_SETS)) {
    const kind = endpointAt(url, AUTHZ.length);
    return kind === undefined ? undefined : GLOBAL[kind];
  }
  const end = url.indexOf('/', RULE_SETS.length);
  if (end < 0) return undefined;
  const ruleSet = url.slice(RULE_SETS.length, end);
  if (!RULE_NAME.test(ruleSet)) return undefined;
  const kind = endpointAt(url, end);
  if (kind === undefined) return undefined;
  return { kind, ruleSet, pathLength: end + GLOBAL[kind].pathLength - AUTHZ.length };
}

const NGINX = NGINX_AUTHZ_PATH.slice(AUTHZ.length);
const FORWARD = FORWARD_AUTHZ_PATH.slice(AUTHZ.length);
const ENVOY = ENVOY_AUTHZ_PREFIX.slice(AUTHZ.length);

/** The endpoint named at `at` (`/nginx`, `/forward` or `/envoy...`), if any. */
function endpointAt(url: string, at: number): keyof DecisionHandlers | undefined {
  if (url.startsWith(NGINX, at)) return isExactly(url, at + NGINX.length) ? 'nginx' : undefined;
  if (url.startsWith(FORWARD, at)) {
    return isExactly(url, at + FORWARD.length) ? 'forward' : undefined;
  }
  if (url.startsWith(ENVOY, at)) {
    const next = url.charCodeAt(at + ENVOY.length);
    if (Number.isNaN(next) || next === 0x2f || next === 0x3f) return 'envoy';
  }
  return undefined;
}

/**
 * Whether the endpoint's path ends `url` at `end`, optionally followed by a trailing slash or a
 * query string (Caddy appends the original query to the auth call's URI).
 */
function isExactly(url: string, end: number): boolean {
  const next = url.charCodeAt(end);
  return Number.isNaN(next) || next === 0x3f || (next === 0x2f && url.length === end + 1);
}
