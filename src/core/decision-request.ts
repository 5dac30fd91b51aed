import type { DenialReason } from './decision.js';
import { normalisePath } from './path-normalizer.js';
import { HostnameMemo } from './request-host.js';

/** The interface a request came through; logged with every decision. */
export type DecisionInterface = 'nginx' | 'forward' | 'envoy-http' | 'envoy-grpc' | 'json';

/** Why an adapter could not tell which request to decide: refused before anything else. */
export type RequestRefusal = Extract<
  DenialReason,
  'ambiguous_request' | 'incomplete_request' | 'invalid_host'
>;

const INVALID_HOST = {
  reason: 'invalid_host',
  detail: 'the host is not a plain host name and port',
} as const;
const hostnames = new HostnameMemo();

/** What an adapter says of a request, besides its URI. */
export interface DecisionRequestFields {
  interface: DecisionInterface;
  /** Upper-case HTTP method. */
  method: string;
  host: string;
  /** The client's address (trusted-proxy aware), IPv4-mapped IPv6 folded to IPv4. */
  clientIp: string;
  /** The Authorization header values (several when the client sent several). */
  authorization: readonly string[];
  /** The proxy's id of the request (X-Request-Id, Envoy's request id), for the log; null: none. */
  requestId: string | null;
  /** Set when the request cannot be decided as described: the pipeline refuses it at once. */
  refusal?: { reason: RequestRefusal; detail: string } | null;
  /**
   * The named rule set the proxy chose for this route (Envoy's `context_extensions`, or the
   * endpoint's path); null or absent: the global list.
   */
  ruleSet?: string | null;
}

/**
 * What the pipeline knows of the request it decides on, whatever protocol carried it. A class
 * with fixed fields (one object shape for every request) whose normalised path is worked out when
 * a policy first asks for it: most decisions never do.
 */
export class DecisionRequest implements DecisionRequestFields {
  readonly interface: DecisionInterface;
  readonly method: string;
  /** Path as sent, without the query string. */
  readonly rawPath: string;
  /** As sent (lower case). */
  readonly host: string;
  /** The host as the upstream reads it: no port or trailing dot; '' when none or invalid. */
  readonly hostname: string;
  /** Whether the target carried a `#` fragment (never sent by clients; a path trick). */
  readonly hasFragment: boolean;
  readonly clientIp: string;
  readonly authorization: readonly string[];
  readonly requestId: string | null;
  readonly refusal: { reason: RequestRefusal; detail: string } | null;
  readonly ruleSet: string | null;
  /**
   * What the policy found before the credential was checked, for its second look once the caller
   * is known (a field, not a map beside the request: written and read on every decision).
   */
  policyMemo: unknown = undefined;
  private readonly uri: string;
  /** null until asked for. */
  private normalised: string | undefined | null = null;

  constructor(uri: string, fields: DecisionRequestFields) {
    this.interface = fields.interface;
    this.method = fields.method;
    this.rawPath = withoutQuery(uri);
    this.hasFragment = uri.includes('#');
    this.host = fields.host;
    const hostname = hostnames.of(fields.host);
    this.hostname = hostname ?? '';
    this.clientIp = fields.clientIp;
    this.authorization = fields.authorization;
    this.requestId = fields.requestId;
    this.refusal = fields.refusal ?? (hostname === undefined ? INVALID_HOST : null);
    this.ruleSet = fields.ruleSet ?? null;
    this.uri = uri;
  }

  /** Normalised path, for policy matching; undefined when the path cannot be normalised. */
  get path(): string | undefined {
    if (this.normalised === null) this.normalised = normalisePath(this.uri);
    return this.normalised;
  }
}

/** A DecisionRequest for the original request URI (path and query). */
export function forUri(uri: string, fields: DecisionRequestFields): DecisionRequest {
  return new DecisionRequest(uri, fields);
}

/** The URI up to its query string or fragment, whichever comes first. */
function withoutQuery(uri: string): string {
  const query = uri.indexOf('?');
  const fragment = uri.indexOf('#');
  const end = query < 0 ? fragment : fragment < 0 ? query : Math.min(query, fragment);
  return end < 0 ? uri : uri.slice(0, end);
}
