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

/** Portcullis basic keys sent as Basic `username:pcl_...`; valid only with the owner's username. */
@Injectable()
export class ApiKeyBasicVerifier implements CredentialVerifier {
  readonly name = 'api-key-basic';

  constructor(private readonly keys: ApiKeyAuthenticator) {}

  verify(credential: Credential): MaybePromise<Verification> {
    if (credential.kind !== 'basic' || !looksLikeKey(credential.password)) return NOT_MINE;
    return keyVerification(this.keys.basic(credential.username, credential.password));
  }
}
