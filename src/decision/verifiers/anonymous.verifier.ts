import { Injectable } from '@nestjs/common';
import type { Credential } from '../../core/credential.js';
import {
  NOT_MINE,
  type CredentialVerifier,
  type Verification,
} from '../../core/credential-verifier.js';

/** A request with no credential at all is anonymous; policy decides whether that is enough. */
@Injectable()
export class AnonymousVerifier implements CredentialVerifier {
  readonly name = 'anonymous';

  verify(credential: Credential): Verification {
    return credential.kind === 'none' ? { outcome: 'anonymous' } : NOT_MINE;
  }
}
