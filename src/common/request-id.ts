import { randomUUID } from 'node:crypto';

/** What a proxy may send as X-Request-Id (nginx's $request_id, Envoy's UUIDs, ...). */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane one (so logs line up with the proxy's), else a new UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  return proxyRequestId(header) ?? randomUUID();
}

/**
 * The request id a proxy sent with an auth call, when it is a sane one, else null. Sane ids hold no
 * character that JSON would escape, so they go into log lines as they are.
 */
export function proxyRequestId(header: string | string[] | undefined): string | null {
  const sent = Array.isArray(header) ? header[0] : header;
  return sent !== undefined && ACCEPTABLE.test(sent) ? sent : null;
}
