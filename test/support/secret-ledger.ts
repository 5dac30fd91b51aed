// Every secret the suite hands to or receives from a service under test (keys, provider tokens,
// client secrets, passwords, server secrets) is noted here, every error body the suite receives is
// kept, and every service a test starts notes its log file, so that the global teardown can check
// that none of those secrets reached a log line or an error body, in any encoding, and that no
// service's log escaped the scan (test/support/secret-scan.js). Outside a Jest run (the benchmark
// shares these helpers) nothing is written.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Shorter values are not secrets the suite makes, and would match by chance. */
export const MIN_SECRET_LENGTH = 12;
/** Nor are values of so few distinct characters ('x' repeated, to make a header too long). */
const MIN_DISTINCT_CHARACTERS = 6;
const OUTPUT = join(process.cwd(), '.test-output');
/** Where services started by the suite log: the folder the scan reads. */
export const LOG_DIR = join(OUTPUT, 'logs');
const recording = process.env.PORTCULLIS_TEST_RUN !== undefined;
const prepared = new Set<string>();
/** What this process noted already: the load helpers send the same secrets thousands of times. */
const noted = new Set<string>();

function append(folder: string, text: string): void {
  if (!recording) return;
  const dir = join(OUTPUT, folder);
  if (!prepared.has(folder)) {
    mkdirSync(dir, { recursive: true });
    prepared.add(folder);
  }
  appendFileSync(join(dir, `${process.pid}.log`), text);
}

/** Notes a secret the suite sent or was given. */
export function rememberSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH || value.includes('\n')) return;
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS || noted.has(value)) return;
  noted.add(value);
  append('secrets', `${value}\n`);
}

/** Notes the secrets an Authorization header carries: a bearer token, a Basic password. */
export function rememberAuthorization(header: string | undefined): void {
  if (header === undefined) return;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') rememberSecret(value);
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString();
    rememberSecret(decoded.slice(decoded.indexOf(':') + 1));
  }
}

/**
 * Notes the secrets in request headers however a helper holds them (a record, a list of pairs,
 * repeated or byte values): the Authorization headers'.
 */
export function rememberHeaders(
  headers:
    | Record<string, string | string[] | undefined>
    | readonly (readonly [string, string | Buffer])[]
    | undefined,
): void {
  if (headers === undefined) return;
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of pairs as [string, string | string[] | Buffer | undefined][]) {
    if (name.toLowerCase() !== 'authorization' || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) rememberAuthorization(String(one));
  }
}

const SECRET_FIELD =
  /^(key|token|access_?token|refresh_?token|id_?token|client_?secret|secret|password|credential)$/i;

/** Notes the string values of secret-named fields anywhere in a JSON value. */
export function rememberSecretFields(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) rememberSecretFields(item);
  } else if (value !== null && typeof value === 'object') {
    for (const [name, field] of Object.entries(value)) {
      if (typeof field === 'string' && SECRET_FIELD.test(name)) rememberSecret(field);
      else rememberSecretFields(field);
    }
  }
}

/** Keeps an error body the suite received, for the scan. */
export function rememberErrorBody(method: string, path: string, status: number, text: string) {
  // The same body twice holds nothing new (a load run gets thousands of them).
  if (noted.has(`body:${text}`)) return;
  noted.add(`body:${text}`);
  append('error-bodies', `${JSON.stringify({ method, path, status, body: text })}\n`);
}

/**
 * A log file for a service the current spec starts, in the folder the scan reads, named after the
 * spec: `<spec file>-<label>-<random>.log`.
 */
export function serviceLogFile(label: string): string {
  // Jest's expect, when in a test (the benchmark, which shares this file, has none).
  const jest = (globalThis as { expect?: { getState(): { testPath?: string } } }).expect;
  const spec = basename(jest?.getState().testPath ?? 'adhoc');
  return join(LOG_DIR, `${spec}-${label}-${randomBytes(4).toString('hex')}.log`);
}

/**
 * Notes the log file of a service that started: the scan fails if it is missing, empty, or
 * outside the folder it reads (a log it never read could hold anything).
 */
export function registerServiceLog(file: string): void {
  append('services', `${file}\n`);
}
