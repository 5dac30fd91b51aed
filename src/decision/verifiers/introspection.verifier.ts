import { Injectable } from '@nestjs/common';
import { OpaqueTokenChecker } from '../../providers/opaque-token-checker.js';
import type { Credential } from '../../core/credential.js';
import type { MaybePromise } from '../../core/maybe-promise.js';
import {
  NOT_MINE,
  type CredentialVerifier,
  type Verification,
} from '../../core/credential-verifier.js';

/**
 * Bearer tokens checked by RFC 7662 introspection at the provider (providers that validate that way),
 * then mapped to a local user. A token no such provider knows is not this verifier's.
 */
@Injectable()
export class IntrospectionVerifier implements CredentialVerifier {
  readonly name = 'introspection';

  constructor(private readonly tokens: OpaqueTokenChecker) {}

  verify(credential: Credential): MaybePromise<Verification> {
    if (credential.kind !== 'bearer') return NOT_MINE;
    return this.tokens.check('introspection', credential.token);
  }
}
