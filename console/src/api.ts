/** One invalid field, as the API reports it (RFC 9457 problem details, `errors[]`). */
export interface FieldError {
  pointer: string;
  detail: string;
}

/** An answer other than 2xx, read from its problem document when it has one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[],
  ) {
    super(detail || title);
  }

  /**
   * What is wrong with a field, named by its path (`parameters/domain`); an error deeper inside it
   * belongs to it too (`#/allowedIps/2` to allowedIps).
   */
  forField(name: string): string | undefined {
    const found = this.errors.filter((e) => within(e.pointer, name)).map((e) => e.detail);
    return found.length > 0 ? found.join('; ') : undefined;
  }

  /** Whether any of the errors points at one of these fields (else the form shows it at the top). */
  pointsAtAny(names: readonly string[]): boolean {
    return this.errors.some((e) => names.some((name) => within(e.pointer, name)));
  }
}

/** Whether a JSON pointer (`#/a/b`) names this field path (`a/b`) or something inside it. */
function within(pointer: string, name: string): boolean {
  const path = pointer.replace(/^#?\//, '');
  return path === name || path.startsWith(`${name}/`);
}

let csrfToken: string | undefined;
let onSessionEnded: (() => void) | undefined;

/** The session's CSRF token, sent with every request once signed in. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when an API call finds the session over (401), so the app shows the sign-in form. */
export function whenSessionEnds(handler: () => void): void {
  onSessionEnded = handler;
}

/** Calls the Portcullis API with the session cookie (and CSRF token); throws ApiError. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'Network error', 'Portcullis could not be reached', []);
  }
  const text = await response.text();
  const parsed: unknown =
    text.length > 0 && /json/.test(response.headers.get('content-type') ?? '')
      ? JSON.parse(text)
      : undefined;
  if (response.ok) return parsed as T;
  const problem = (parsed ?? {}) as { title?: string; detail?: string; errors?: FieldError[] };
  const error = new ApiError(
    response.status,
    problem.title ?? response.statusText,
    problem.detail ?? '',
    Array.isArray(problem.errors) ? problem.errors : [],
  );
  if (response.status === 401 && !path.startsWith('/console/session')) onSessionEnded?.();
  throw error;
}

/** A query string from the defined, non-empty values. */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Session {
  username: string;
  displayName: string | null;
  groups: string[];
  admin: boolean;
  selfServiceKeys: boolean;
  /** Portcullis checks requests; false: switched off, and every page says so. */
  checking: boolean;
  /** The longest lifetime a new key may have ("1 year"); null: no limit. */
  maxKeyLifetime: string | null;
  /** The key this session was opened with (null: through a provider). */
  signInKeyId: string | null;
  csrfToken: string;
  expiresAt: string;
}

export interface Key {
  id: string;
  keyId: string;
  name: string;
  description: string | null;
  type: 'bearer' | 'basic';
  state: 'active' | 'expired' | 'revoked';
  userId: string;
  username: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  allowedIps: string[];
  /** "600 per minute"; null: no quota. */
  rateLimit: string | null;
}

export interface CreatedKey extends Key {
  key: string;
  emailed: boolean;
}

export interface User {
  id: string;
  username: string;
  email: string | null;
  displayName: string | null;
  disabled: boolean;
  groups: string[];
}

export interface Group {
  id: string;
  name: string;
  description: string | null;
  memberCount: number;
  /** Shared by the members' keys together; null: no quota. */
  rateLimit: string | null;
}

export interface Settings {
  version: number;
  enabled: boolean;
  disablePasswordBasicAuth: boolean;
  allowSelfServiceKeys: boolean;
  maxKeyLifetime: string | null;
  maxActiveKeysPerUser: number | null;
  trustedProxies: string[];
  identityHeaderStyle: string;
  updatedAt: string;
}

export type RuleEffect = 'public' | 'bypass' | 'deny' | 'authenticated';

/** A requirement block: every field set must hold. */
export interface Requirements {
  ipRanges?: string[];
  anyGroups?: string[];
  allGroups?: string[];
  readOnlyGroups?: string[];
  fullAccessGroups?: string[];
  scopes?: string[];
  claims?: { claim: string; equals?: unknown; oneOf?: unknown[]; contains?: string }[];
}

export interface Rule {
  name: string;
  position: number;
  match: { hosts: string[]; paths: string[]; methods: string[] };
  effect: RuleEffect;
  require: Requirements[];
  description: string | null;
  /** The named rule set it belongs to; null: the global list. */
  ruleSet: string | null;
}

export interface LintWarning {
  rule: string;
  code: string;
  message: string;
}

export interface RuleList {
  version: number;
  rules: Rule[];
  defaultRule: { effect: 'authenticated' | 'deny'; require: Requirements[] };
  warnings: LintWarning[];
}

export interface TraceStep {
  step: 'rule set' | 'rule' | 'credential' | 'requirement';
  name: string;
  result: 'matched' | 'not matched' | 'passed' | 'failed' | 'not reached';
  detail: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  actorUsername: string | null;
  action: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface Decision {
  allowed: boolean;
  status: number;
  reason: string;
  verifier: string | null;
  rule: string | null;
  identity: { username: string; groups: string[] } | null;
  headers: Record<string, string>;
  wwwAuthenticate?: string | null;
  trace?: TraceStep[];
}

export interface Provider {
  id: string;
  name: string;
  preset: string;
  issuer: string | null;
  jwksUri: string | null;
  userinfoEndpoint: string | null;
  introspectionEndpoint: string | null;
  clientId: string;
  hasClientSecret: boolean;
  validation: string;
  usernameAttribute: string;
  enabled: boolean;
  consoleSignIn: boolean;
  redirectUri: string;
  consoleRedirectUri: string;
  /** Attribute paths seen by the last test login or pasted token. */
  lastAttributes: string[] | null;
}

export interface Attributes {
  usernameAttribute: string;
  usernameValue: string | null;
  attributes: { path: string; value: unknown; source: string }[];
  /** What the provider could not be asked, and why: the attributes are then partial. */
  notes: string[];
}
