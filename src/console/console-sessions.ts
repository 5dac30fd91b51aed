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
import type { Identity } from '../decision/identity.js';
import { ApiKeyRepository } from '../keys/api-key.repository.js';
import { checkKeyRecord, type KeyCheck } from '../keys/key-record.js';
import { CSRF_HEADER, readCookie, SAFE_METHODS, SESSION_COOKIE } from './session-cookie.js';

/** How the key behind a session was presented at sign-in, and must be checked again. */
export type SentAs = { type: 'bearer' } | { type: 'basic'; username: string };

/**
 * What the store keeps of a session. Never the key: its HMAC (as the database has it), so every
 * request checks the key again and a revoked key, a disabled user or a lost admin membership ends
 * the session's powers at once. The CSRF token is not kept: it is derived from the session id.
 */
interface StoredSession {
  keyHash: string;
  sentAs: SentAs;
  createdAt: number;
  expiresAt: number;
  idleUntil: number;
}

export interface ConsoleSession extends StoredSession {
  /** The store entry's name (a hash of the cookie's value). */
  ref: string;
}

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
  ) {}

  async open(keyHash: string, sentAs: SentAs, keyExpiresAt: number | null): Promise<OpenedSession> {
    const now = Date.now();
    const id = randomBytes(32).toString('base64url');
    const { maxAgeMs, idleMs } = this.config.consoleSession;
    // A session never outlives the key it was opened with.
    const expiresAt = Math.min(now + maxAgeMs, keyExpiresAt ?? Infinity);
    const session: StoredSession = {
      keyHash,
      sentAs,
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
        `The key this console session was opened with is no longer valid (${check.reason}); sign in again`,
      );
    }
    return { id, session, identity: check.identity };
  }

  /** The key behind the session, checked afresh against the database. */
  async check(session: ConsoleSession, now = Date.now()): Promise<KeyCheck> {
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
