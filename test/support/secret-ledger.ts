// Every secret the suite hands to or receives from a service under test (keys, provider tokens,
// client secrets, passwords) is noted here, and every error body the suite receives is kept, so
// that the global teardown can check that none of those secrets reached a log line or an error
// body. Outside a Jest run (the benchmark shares these helpers) nothing is written.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Shorter values are not secrets the suite makes, and would match by chance. */
export const MIN_SECRET_LENGTH = 12;
const OUTPUT = join(process.cwd(), '.test-output');
const recording = process.env.PORTCULLIS_TEST_RUN !== undefined;
let prepared = false;

function append(folder: string, text: string): void {
  if (!recording) return;
  const dir = join(OUTPUT, folder);
  if (!prepared) {
    mkdirSync(join(OUTPUT, 'secrets'), { recursive: true });
    mkdirSync(join(OUTPUT, 'error-bodies'), { recursive: true });
    prepared = true;
  }
  appendFileSync(join(dir, `${process.pid}.log`), text);
}

/** Notes a secret the suite sent or was given. */
export function rememberSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH || value.includes('\n')) return;
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

const SECRET_FIELD =
  /^(key|token|access_?token|refresh_?token|id_?token|client_?secret|secret|password)$/i;

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
  append('error-bodies', `${JSON.stringify({ method, path, status, body: text })}\n`);
}
