import {
  ForbiddenException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SharedStore } from '../cache/shared-store.js';
import { AppConfig } from '../config/app-config.js';
import { KeyHasher } from '../crypto/key-hasher.js';
import type { Identity } from '../core/identity.js';
import { ApiKeyRepository } from '../keys/api-key.repository.js';
import { checkKeyRecord, type KeyCheck } from '../keys/key-record.js';
import { ProviderSessionCheck, type ProviderSessionResult } from './provider-session-check.js';
import { CSRF_HEADER, readCookie, SAFE_METHODS, SESSION_COOKIE } from './session-cookie.js';

/** How the key behind a session was presented at sign-in, and must be checked again. */
export type SentAs = { type: 'bearer' } | { type: 'basic'; username: string };

/**
 * Who a session stands for. A key session keeps the key's HMAC (as the database has it), never
 * the key. A provider session (signed in through an identity provider) keeps the local user it
 * was mapped to and the groups the provider gave, if its groups count. Either way every request
 * checks the subject again, so a revoked key, a disabled user, a lost admin membership or a
 * provider taken off console sign-in ends the session's powers at once.
 */
export type SessionSubject =
  | { kind: 'key'; keyHash: string; sentAs: SentAs }
  | { kind: 'provider'; providerId: string; userId: string; tokenGroups: string[] };

/**
 * What the store keeps of a session. The CSRF token is not kept: it is derived from the session
 * id. Sessions stored before provider sign-in existed have no `kind`: they are key sessions.
 */
type StoredSession = (SessionSubject | (Omit<KeySubject, 'kind'> & { kind?: undefined })) & {
  createdAt: number;
  expiresAt: number;
  idleUntil: number;
};

type KeySubject = Extract<SessionSubject, { kind: 'key' }>;

export type ConsoleSession = StoredSession & {
  /** The store entry's name (a hash of the cookie's value). */
  ref: string;
};

export type ProviderSession = Extract<ConsoleSession, { kind: 'provider' }>;

export interface OpenedSession {
  /** The cookie's value. */
  id: string;
  csrfToken: string;
  expiresAt: number;
}

/** Sessions are refreshed at most this often, so that reads do not turn into a write each. */
const TOUCH_EVERY_MS = 60_000;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The store entry of a cookie value; exported for tests that age a session. */
export function sessionStoreKey(id: string): string {
  return `console-session:${sha256(id)}`;
}

/**
 * Console sessions, kept in the SharedStore (Redis when configured), so that any instance accepts
 * them and signing out on one ends them on all.
 */
@Injectable()
export class ConsoleSessions {
  constructor(
    private readonly store: SharedStore,
    private readonly config: AppConfig,
    private readonly keys: ApiKeyRepository,
    private readonly hasher: KeyHasher,
    private readonly providerSessions: ProviderSessionCheck,
  ) {}

  /**
   * Opens a session for a subject. `notAfter`: when the credential behind it expires (a key
   * session never outlives its key); null for never.
   */
  async open(subject: SessionSubject, notAfter: number | null): Promise<OpenedSession> {
    const now = Date.now();
    const id = randomBytes(32).toString('base64url');
    const { maxAgeMs, idleMs } = this.config.consoleSession;
    const expiresAt = Math.min(now + maxAgeMs, notAfter ?? Infinity);
    const session: StoredSession = {
      ...subject,
      createdAt: now,
      expiresAt,
      idleUntil: Math.min(now + idleMs, expiresAt),
    };
    await this.write(sessionStoreKey(id), session, now);
    return { id, csrfToken: this.csrfToken(id), expiresAt };
  }

  /** The live session of a cookie value, refreshing its idle deadline; undefined when over. */
  async resume(id: string, now = Date.now()): Promise<ConsoleSession | undefined> {
    const ref = sessionStoreKey(id);
    const [raw] = await this.store.getMany([ref]);
    if (raw === undefined) return undefined;
    const session = JSON.parse(raw) as StoredSession;
    if (session.expiresAt <= now || session.idleUntil <= now) {
      await this.store.delete([ref]);
      return undefined;
    }
    const idleUntil = Math.min(now + this.config.consoleSession.idleMs, session.expiresAt);
    if (idleUntil - session.idleUntil >= TOUCH_EVERY_MS) {
      session.idleUntil = idleUntil;
      await this.write(ref, session, now);
    }
    return { ...session, ref };
  }

  /**
   * The session's CSRF token: an HMAC of its id under the server secret, so that the console can
   * ask for it again after a reload, and no other site can compute or read it.
   */
  csrfToken(id: string): string {
    return this.hasher.hash(`console-csrf:${id}`);
  }

  csrfMatches(id: string, token: string | string[] | undefined): boolean {
    const expected = Buffer.from(this.csrfToken(id));
    if (typeof token !== 'string' || token.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(token), expected);
  }

  /**
   * The caller behind a request's session cookie, or undefined when it has none. An ended session
   * is a 401, a change without the CSRF token a 403, and the key behind it is checked again.
   */
  async authenticate(
    request: FastifyRequest,
  ): Promise<{ id: string; session: ConsoleSession; identity: Identity } | undefined> {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const session = await unavailableOnError(() => this.resume(id));
    if (session === undefined) {
      throw new UnauthorizedException('The console session has ended; sign in again');
    }
    if (!SAFE_METHODS.has(request.method) && !this.csrfMatches(id, request.headers[CSRF_HEADER])) {
      throw new ForbiddenException(
        'A change made with a console session needs its CSRF token in the X-CSRF-Token header',
      );
    }
    const check = await unavailableOnError(() => this.check(session));
    if (!check.ok) {
      await this.close(session.ref);
      throw new UnauthorizedException(
        session.kind === 'provider'
          ? `This console session is no longer valid (${check.reason}); sign in again`
          : `The key this console session was opened with is no longer valid (${check.reason}); sign in again`,
      );
    }
    return { id, session, identity: check.identity };
  }

  /** The key or user behind the session, checked afresh against the database. */
  async check(
    session: ConsoleSession,
    now = Date.now(),
  ): Promise<KeyCheck | ProviderSessionResult> {
    if (session.kind === 'provider') return this.providerSessions.check(session);
    const record = await this.keys.findRecordByHash(session.keyHash);
    if (record === undefined) return { ok: false, reason: 'unknown_key' };
    return checkKeyRecord(record, session.sentAs, now);
  }

  async close(ref: string): Promise<void> {
    await this.store.delete([ref]);
  }

  private async write(ref: string, session: StoredSession, now: number): Promise<void> {
    await this.store.set(ref, JSON.stringify(session), session.idleUntil - now);
  }
}

/** A session that cannot be checked (store or database away) fails closed, as a 503. */
async function unavailableOnError<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch {
    throw new ServiceUnavailableException(
      'Sessions cannot be checked right now; try again shortly',
    );
  }
}
