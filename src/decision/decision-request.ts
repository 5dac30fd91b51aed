import { normalisePath } from './path-normalizer.js';

/** The interface a request came through; logged with every decision. */
export type DecisionInterface = 'nginx' | 'envoy-http' | 'envoy-grpc' | 'json';

/** What the pipeline knows of the request it decides on, whatever protocol carried it. */
export interface DecisionRequest {
  interface: DecisionInterface;
  /** Upper-case HTTP method. */
  method: string;
  /** Path as sent, without the query string. */
  rawPath: string;
  /** Normalised path, for policy matching; undefined when the path cannot be normalised. */
  path: string | undefined;
  host: string;
  /** The client's address (trusted-proxy aware), IPv4-mapped IPv6 folded to IPv4. */
  clientIp: string;
  /** The Authorization header values (several when the client sent several). */
  authorization: string[];
}

/**
 * A DecisionRequest for the original request URI (path and query). The normalised path is worked
 * out when a policy first asks for it: most decisions never do.
 */
export function forUri(
  uri: string,
  fields: Omit<DecisionRequest, 'rawPath' | 'path'>,
): DecisionRequest {
  const query = uri.search(/[?#]/);
  let path: string | undefined | null = null;
  return {
    ...fields,
    rawPath: query >= 0 ? uri.slice(0, query) : uri,
    get path() {
      if (path === null) path = normalisePath(uri);
      return path;
    },
  };
}
