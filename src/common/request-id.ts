import { randomUUID } from 'node:crypto';

/** What a proxy may send as X-Request-Id (nginx's $request_id, Envoy's UUIDs, ...). */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane one (so logs line up with the proxy's), else a new UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  const sent = Array.isArray(header) ? header[0] : header;
  return sent !== undefined && ACCEPTABLE.test(sent) ? sent : randomUUID();
}
