import type { IncomingMessage } from 'node:http';
import type { RequestRefusal } from '../core/decision-request.js';

/** The request a proxy's auth call asks about, as its headers name it. */
export interface OriginalRequest {
  method: string;
  uri: string;
  host: string | undefined;
}

/**
 * Which header set an endpoint reads the original request from:
 * - `original-or-forwarded` (/v1/authz/nginx): X-Original-URI and -Method, as the nginx example
 *   sets them; when X-Original-URI is absent, X-Forwarded-Uri and -Method instead.
 * - `forwarded` (/v1/authz/forward): X-Forwarded-Method, -Uri and -Host only, as Caddy's
 *   forward_auth and Traefik's ForwardAuth set them.
 */
export type HeaderContract = 'original-or-forwarded' | 'forwarded';

export type OriginalRequestReading =
  { refusal: null; original: OriginalRequest } | { refusal: RequestRefusal; detail: string };

/** The headers that can name the original request, in both sets. */
interface Named {
  'x-original-uri': string[];
  'x-original-method': string[];
  'x-forwarded-uri': string[];
  'x-forwarded-method': string[];
  'x-forwarded-host': string[];
  host: string[];
}

/** Lengths of the names above: most of a request's headers are skipped without lower-casing. */
const NAME_LENGTHS = new Set([4, 14, 15, 16, 17, 18]);

/**
 * Reads the original request from the auth call's headers, refusing rather than choosing when they
 * could name two requests. Some proxies (Caddy, Traefik) copy every header of the client's
 * request into the auth call and set only their own set, so the client can add any header the
 * proxy does not set. Hence:
 * - a header that names the request must appear at most once (`ambiguous_request`);
 * - where X-Original-* and X-Forwarded-* both name the URI or the method, they must agree
 *   (`ambiguous_request`): whichever set the proxy sets, a client's copy of the other cannot win;
 * - the URI and the method come from one set, and it must name both (`incomplete_request`): a
 *   method the proxy did not state is never guessed, so a POST is never decided as a GET.
 */
export function readOriginalRequest(
  request: IncomingMessage,
  contract: HeaderContract,
): OriginalRequestReading {
  const named = namedHeaders(request.rawHeaders);
  for (const name in named) {
    if (named[name as keyof Named].length > 1) return ambiguous(`${name} is sent more than once`);
  }
  const originalUri = named['x-original-uri'][0];
  const forwardedUri = named['x-forwarded-uri'][0];
  const originalMethod = named['x-original-method'][0];
  const forwardedMethod = named['x-forwarded-method'][0];
  if (originalUri !== undefined && forwardedUri !== undefined && originalUri !== forwardedUri) {
    return ambiguous('X-Original-URI and X-Forwarded-Uri name different requests');
  }
  if (
    originalMethod !== undefined &&
    forwardedMethod !== undefined &&
    originalMethod.toUpperCase() !== forwardedMethod.toUpperCase()
  ) {
    return ambiguous('X-Original-Method and X-Forwarded-Method name different methods');
  }

  const useForwarded = contract === 'forwarded' || originalUri === undefined;
  const uri = useForwarded ? forwardedUri : originalUri;
  const method = useForwarded ? forwardedMethod : originalMethod;
  if (uri === undefined || uri === '' || method === undefined || method === '') {
    const set =
      contract === 'forwarded' || (forwardedUri !== undefined && originalUri === undefined)
        ? 'X-Forwarded-Uri and X-Forwarded-Method'
        : 'X-Original-URI and X-Original-Method';
    return { refusal: 'incomplete_request', detail: `the proxy must send ${set}` };
  }
  return {
    refusal: null,
    original: { method, uri, host: named['x-forwarded-host'][0] ?? named.host[0] },
  };
}

function ambiguous(detail: string): OriginalRequestReading {
  return { refusal: 'ambiguous_request', detail };
}

/** Every value of the headers that name the request, from the raw list (Node keeps only one). */
function namedHeaders(raw: readonly string[]): Named {
  const named: Named = {
    'x-original-uri': [],
    'x-original-method': [],
    'x-forwarded-uri': [],
    'x-forwarded-method': [],
    'x-forwarded-host': [],
    host: [],
  };
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (!NAME_LENGTHS.has(name.length)) continue;
    const lower = name.toLowerCase();
    if (Object.hasOwn(named, lower)) named[lower as keyof Named].push(raw[i + 1]!);
  }
  return named;
}
