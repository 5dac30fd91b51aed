import {
  rememberAuthorization,
  rememberErrorBody,
  rememberSecret,
  rememberSecretFields,
} from './secret-ledger.js';

/** A parsed HTTP response from the service under test. */
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body, sent as is (with its own content type). */
  raw?: string;
  headers?: Record<string, string>;
  /** A bearer key, or [username, key] for Basic. */
  auth?: string | [string, string];
}

/** Sends one request over real HTTP and parses JSON answers. */
export async function call<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (typeof options.auth === 'string') headers.authorization = `Bearer ${options.auth}`;
  if (Array.isArray(options.auth)) {
    headers.authorization = `Basic ${Buffer.from(options.auth.join(':')).toString('base64')}`;
  }
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  rememberAuthorization(headers.authorization);
  rememberSecretFields(options.body);
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json') && text.length > 0) parsed = JSON.parse(text);
  if (response.status >= 400) rememberErrorBody(method, path, response.status, text);
  else rememberSecretFields(parsed);
  rememberCookies(response.headers);
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** Notes the values of the cookies a response sets (console sessions, sign-in bindings). */
export function rememberCookies(headers: Headers): void {
  for (const cookie of headers.getSetCookie()) {
    const value = cookie.split(';', 1)[0]!.replace(/^[^=]*=/, '');
    rememberSecret(value);
    try {
      rememberSecret(decodeURIComponent(value));
    } catch {
      // Not percent-encoding after all: noted as it is.
    }
  }
}

/** A client bound to one service and one credential. */
export function client(baseUrl: string, auth?: RequestOptions['auth']) {
  const send =
    (method: string) =>
    <T = any>(path: string, options: RequestOptions = {}) =>
      call<T>(baseUrl, method, path, { auth, ...options });
  return {
    get: send('GET'),
    post: send('POST'),
    put: send('PUT'),
    patch: send('PATCH'),
    delete: send('DELETE'),
  };
}
