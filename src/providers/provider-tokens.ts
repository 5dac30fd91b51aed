import { Injectable } from '@nestjs/common';
import { extractCredential } from '../core/credential.js';
import type { Identity } from '../core/identity.js';
import { IntrospectionVerifier } from '../decision/verifiers/introspection.verifier.js';
import { JwtVerifier } from '../decision/verifiers/jwt.verifier.js';
import { UserinfoVerifier } from '../decision/verifiers/userinfo.verifier.js';

/**
 * Who a provider's token speaks for, outside a proxied request (RFC 7662 introspection): the
 * same verifiers, in the same order, as decisions use. Undefined when the token is not valid;
 * throws when a provider could not be asked.
 */
@Injectable()
export class ProviderTokens {
  private readonly verifiers: readonly (JwtVerifier | IntrospectionVerifier | UserinfoVerifier)[];

  constructor(jwt: JwtVerifier, introspection: IntrospectionVerifier, userinfo: UserinfoVerifier) {
    this.verifiers = [jwt, introspection, userinfo];
  }

  async identify(token: string): Promise<Identity | undefined> {
    const credential = extractCredential([`Bearer ${token}`]);
    if (credential.kind !== 'bearer') return undefined;
    for (const verifier of this.verifiers) {
      const verification = await verifier.verify(credential);
      if (verification.outcome === 'identified') return verification.identity;
      if (verification.outcome !== 'not_mine') return undefined;
    }
    return undefined;
  }
}
