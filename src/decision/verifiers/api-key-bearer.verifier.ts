import { Injectable } from '@nestjs/common';
import { ApiKeyAuthenticator } from '../../keys/api-key-authenticator.js';
import { looksLikeKey } from '../../keys/key-format.js';
import type { Credential } from '../../core/credential.js';
import type { MaybePromise } from '../../core/maybe-promise.js';
import {
  NOT_MINE,
  type CredentialVerifier,
  type Verification,
} from '../../core/credential-verifier.js';
import { keyVerification } from './key-verification.js';

/** Portcullis keys sent as `Authorization: Bearer pcl_...`. */
@Injectable()
export class ApiKeyBearerVerifier implements CredentialVerifier {
  readonly name = 'api-key-bearer';

  constructor(private readonly keys: ApiKeyAuthenticator) {}

  verify(credential: Credential): MaybePromise<Verification> {
    if (credential.kind !== 'bearer' || !looksLikeKey(credential.token)) return NOT_MINE;
    return keyVerification(this.keys.bearer(credential.token));
  }
}
