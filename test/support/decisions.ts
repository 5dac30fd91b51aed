import { readFileSync } from 'node:fs';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { flushLogger } from '../../src/logging/logger.js';
import { call, client, type Reply, type RequestOptions } from './http.js';
import { rememberErrorBody, rememberHeaders } from './secret-ledger.js';
import type { TestApp } from './test-app.js';

/** An admin API client, as returned by `client(url, adminKey)`. */
export type AdminClient = ReturnType<typeof client>;

export interface CreatedKey {
  /** Database id (for /v1/admin/keys/:id). */
  id: string;
  /** Public key id, embedded in the key and sent upstream as the credential header. */
  keyId: string;
  /** The plaintext key. */
  key: string;
  expiresAt: string | null;
  createdAt: string;
}

/** Creates a user through the admin API and returns its id. */
export async function createUser(
  admin: AdminClient,
  username: string,
  extra: { email?: string; displayName?: string; groups?: string[] } = {},
): Promise<string> {
  const created = await admin.post('/v1/admin/users', { body: { username, ...extra } });
  if (created.status !== 201) {
    throw new Error(`Could not create user ${username}: ${created.status} ${created.text}`);
  }
  return created.body.id as string;
}

/** Creates a group through the admin API (201) and returns its id. */
export async function createGroup(admin: AdminClient, name: string): Promise<string> {
  const created = await admin.post('/v1/admin/groups', { body: { name } });
  if (created.status !== 201) {
    throw new Error(`Could not create group ${name}: ${created.status} ${created.text}`);
  }
  return created.body.id as string;
}

/** Issues a key through the admin API. */
export async function createKey(
  admin: AdminClient,
  owner: { username: string } | { userId: string },
  options: { type?: 'bearer' | 'basic'; expiresIn?: string; name?: string } = {},
): Promise<CreatedKey> {
  const created = await admin.post('/v1/admin/keys', {
    body: {
      ...owner,
      name: options.name ?? `key-${Math.random().toString(36).slice(2, 8)}`,
      type: options.type ?? 'bearer',
      expiresIn: options.expiresIn ?? 'never',
    },
  });
  if (created.status !== 201) {
    throw new Error(`Could not create a key: ${created.status} ${created.text}`);
  }
  const { id, keyId, key, expiresAt, createdAt } = created.body as CreatedKey;
  return { id, keyId, key, expiresAt, createdAt };
}

/**
 * Sets a key's expiry straight in the database (the admin API cannot issue an already expired
 * key). Only for keys not used yet: a cached record would not see the change.
 */
export async function setKeyExpiry(service: TestApp, keyDbId: string, at: Date): Promise<void> {
  await service.runtime.dataSource.query('UPDATE api_keys SET expires_at = $1 WHERE id = $2', [
    at.toISOString(),
    keyDbId,
  ]);
}

/** The Authorization value for Basic user:password. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A key with a valid shape whose checksum (its last character) is wrong. */
export function breakChecksum(key: string): string {
  const last = key.at(-1)!;
  return key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

/** One nginx auth_request subrequest, as nginx sends it (the original request in headers). */
export function nginxCheck(
  baseUrl: string,
  options: {
    authorization?: string;
    uri?: string;
    method?: string;
    headers?: Record<string, string>;
    /** The method of the auth call itself; nginx always uses GET. */
    via?: string;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {
    'x-original-uri': options.uri ?? '/orders/42?expand=items',
    'x-original-method': options.method ?? 'GET',
    ...options.headers,
  };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  return call(baseUrl, options.via ?? 'GET', '/v1/authz/nginx', { headers });
}

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * A request over node:http, which (unlike fetch) sends a header given as an array as several
 * header lines: needed to send two Authorization headers.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
  body?: string,
): Promise<RawReply> {
  const url = new URL(path, baseUrl);
  rememberHeaders(headers);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        // Node types Authorization as a single string, but sends an array as several lines.
        headers: headers as OutgoingHttpHeaders,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 400) rememberErrorBody(method, path, status, text);
          resolve({ status, headers: res.headers, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The raw text of the service's log file, after the asynchronous writer has drained. */
export async function logText(service: TestApp): Promise<string> {
  await flushLogger(service.runtime.logger);
  const file = service.runtime.config.logFile;
  if (file === undefined) throw new Error('The test service has no log file');
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // The global setup of any other Jest run in this checkout empties .test-output/logs.
    throw new Error(`The log file ${file} is gone: did another test run start meanwhile?`);
  }
}

/** Every line of the service's log file, parsed, after the asynchronous writer has drained. */
export async function logLines(service: TestApp): Promise<Record<string, unknown>[]> {
  return (await logText(service))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The decision log lines (msg "decision") whose path is `path`. */
export async function decisionLines(
  service: TestApp,
  path: string,
): Promise<Record<string, unknown>[]> {
  return (await logLines(service)).filter((l) => l.msg === 'decision' && l.path === path);
}

/** Polls until check() is true, or fails after ms. */
export async function eventually(
  ms: number,
  check: () => Promise<boolean>,
  interval = 50,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Not true within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** A unique path, so that a test can find its own decision log lines. */
export function uniquePath(label: string): string {
  return `/${label}/${Math.random().toString(36).slice(2, 10)}`;
}

export type { Reply, RequestOptions };
