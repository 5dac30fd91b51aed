import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ConsoleSessions } from '../console/console-sessions.js';
import type { Principal } from '../keys/api-key-authenticator.js';
import { KeyUsageRecorder } from '../keys/key-usage-recorder.js';
import { readCookie, SESSION_COOKIE } from '../console/session-cookie.js';

type Verify = (request: FastifyRequest, done: (error: unknown, user?: Principal) => void) => void;

/**
 * A passport strategy for the console's session cookie. Passport needs only `authenticate`, and
 * gives each attempt `success`, `fail` and `error`. No cookie: "not mine", so the caller is
 * refused as having no credential.
 */
class CookieSessionStrategy {
  declare success: (user: Principal) => void;
  declare fail: () => void;
  declare error: (error: unknown) => void;

  constructor(private readonly verify: Verify) {}

  authenticate(request: FastifyRequest): void {
    if (readCookie(request.headers.cookie, SESSION_COOKIE) === undefined) return this.fail();
    this.verify(request, (error, user) => (error ? this.error(error) : this.success(user!)));
  }
}

/**
 * Web console sessions on every API a key opens (admin, self-service, decisions): the same guards
 * and authorization as a key, since the session stands for the key it was opened with.
 */
@Injectable()
export class SessionStrategy extends PassportStrategy(CookieSessionStrategy, 'portcullis-session') {
  constructor(
    private readonly sessions: ConsoleSessions,
    private readonly usage: KeyUsageRecorder,
  ) {
    super();
  }

  async validate(request: FastifyRequest): Promise<Principal> {
    const found = await this.sessions.authenticate(request);
    // authenticate() only runs with a cookie present, so there is always a session or an error.
    const identity = found!.identity;
    if (identity.credential.kind === 'api_key') this.usage.record(identity.credential.id);
    return identity;
  }
}
