import {
  ForbiddenException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { BasicStrategy } from 'passport-http';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import {
  ApiKeyAuthenticator,
  type KeyCheck,
  type KeyDenialReason,
  type Principal,
} from '../keys/api-key-authenticator.js';
import { KeyUsageRecorder } from '../keys/key-usage-recorder.js';

const DENIAL_DETAILS: Record<KeyDenialReason, string> = {
  malformed_credential: 'The credential is not a well-formed Portcullis key',
  unknown_key: 'The key is not known',
  expired_key: 'The key has expired',
  revoked_key: 'The key has been revoked',
  user_disabled: 'The user who owns this key is disabled',
  wrong_key_type:
    'This key must be sent with its own scheme: Bearer for bearer keys, Basic for basic keys',
  username_mismatch: 'The username and key do not match',
};

/**
 * Runs a key check (answered at once from the in-process cache, else later); a check that cannot be
 * made (database down, key not cached), whether it throws or rejects, is a 503.
 */
async function attempt(check: () => KeyCheck | Promise<KeyCheck>): Promise<KeyCheck> {
  try {
    return await check();
  } catch {
    throw new ServiceUnavailableException(
      'Credentials cannot be checked right now; try again shortly',
    );
  }
}

function principalOf(check: KeyCheck, usage: KeyUsageRecorder): Principal {
  if (check.ok) {
    usage.record(check.identity.credential.id);
    return check.identity;
  }
  const detail = DENIAL_DETAILS[check.reason];
  throw check.reason === 'user_disabled'
    ? new ForbiddenException(detail)
    : new UnauthorizedException(detail);
}

/** Portcullis bearer keys on the admin and self-service APIs (`Authorization: Bearer <key>`). */
@Injectable()
export class BearerKeyStrategy extends PassportStrategy(BearerStrategy, 'portcullis-bearer') {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly usage: KeyUsageRecorder,
  ) {
    super();
  }

  async validate(token: string): Promise<Principal> {
    return principalOf(await attempt(() => this.authenticator.bearer(token)), this.usage);
  }

  /**
   * The Authorization header only: passport-http-bearer would also take `access_token` from the
   * query string, where keys end up in access logs, or from the body.
   */
  override authenticate(request: BearerRequest, options?: object): void {
    super.authenticate({ headers: request.headers } as BearerRequest, options);
  }
}

type BearerRequest = Parameters<BearerStrategy<never>['authenticate']>[0];

/** Portcullis basic keys on the admin and self-service APIs (Basic `username:key`). */
@Injectable()
export class BasicKeyStrategy extends PassportStrategy(BasicStrategy, 'portcullis-basic') {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly usage: KeyUsageRecorder,
  ) {
    super();
  }

  async validate(username: string, key: string): Promise<Principal> {
    return principalOf(await attempt(() => this.authenticator.basic(username, key)), this.usage);
  }
}
