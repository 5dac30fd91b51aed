import { Injectable } from '@nestjs/common';
import { ApiKeyAuthenticator } from '../../keys/api-key-authenticator.js';
import { looksLikeKey } from '../../keys/key-format.js';
import type { Credential } from '../credential.js';
import { NOT_MINE, type CredentialVerifier, type Verification } from './credential-verifier.js';

/** Portcullis keys sent as `Authorization: Bearer pcl_...`. */
@Injectable()
export class ApiKeyBearerVerifier implements CredentialVerifier {
  readonly name = 'api-key-bearer';

  constructor(private readonly keys: ApiKeyAuthenticator) {}

  async verify(credential: Credential): Promise<Verification> {
    if (credential.kind !== 'bearer' || !looksLikeKey(credential.token)) return NOT_MINE;
    const check = await this.keys.bearer(credential.token);
    return check.ok
      ? { outcome: 'identified', identity: check.identity }
      : { outcome: 'refused', reason: check.reason };
  }
}
