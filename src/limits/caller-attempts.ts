import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { authorizationHeaders } from '../adapters/http-request.js';
import { resolveClientIp } from '../core/client-ip.js';
import { extractCredential, type Credential } from '../core/credential.js';
import { ApiKeyAuthenticator } from '../keys/api-key-authenticator.js';
import { SettingsService } from '../settings/settings.service.js';
import { FailedAttemptLimiter, type Limited } from './failed-attempt-limiter.js';
import { presentedKeyId } from './failed-attempts.js';

/** Who is attempting to authenticate to one of Portcullis's own APIs. */
export interface CallerAttempt {
  ip: string;
  credential: Credential;
  keyId: string | undefined;
}

/**
 * The failed-attempt limit on Portcullis's own APIs (admin, self-service, the JSON decision API's
 * callers, introspection callers), with the same rule as on the decision endpoints: while the
 * caller's address is over its limit, a key with a real id (or one this instance holds in memory as
 * valid) is still checked, so an admin behind a busy NAT is not locked out; anything else, and any
 * key whose own id is over its limit, is refused with 429 before any lookup.
 */
@Injectable()
export class CallerAttempts {
  constructor(
    private readonly limiter: FailedAttemptLimiter,
    private readonly settings: SettingsService,
    private readonly keys: ApiKeyAuthenticator,
  ) {}

  /** The attempt of a request, with the credential in its Authorization header, or as given. */
  of(request: FastifyRequest, given?: Credential): CallerAttempt {
    const credential = given ?? extractCredential(authorizationHeaders(request.raw));
    return {
      ip: resolveClientIp(
        request.raw.socket.remoteAddress ?? '',
        request.headers['x-forwarded-for'],
        this.settings.trustedProxies(),
      ),
      credential,
      keyId: presentedKeyId(credential),
    };
  }

  /**
   * Limited when the caller presents a credential, is over a limit, and its key is not known here
   * to be valid. A request with no Authorization (a console session's cookie) is no attempt.
   */
  screen(attempt: CallerAttempt): Limited | undefined {
    if (attempt.credential.kind === 'none') return undefined;
    const limited = this.limiter.beforeLookup(attempt.ip, attempt.keyId);
    if (limited === undefined || this.keys.heldAsValid(attempt.credential)) return undefined;
    return limited;
  }

  /** Counts a failed authentication; Limited when it is over a limit. */
  async failed(attempt: CallerAttempt): Promise<Limited | undefined> {
    if (attempt.credential.kind === 'none') return undefined;
    return this.limiter.failed(attempt.ip, attempt.keyId);
  }
}
