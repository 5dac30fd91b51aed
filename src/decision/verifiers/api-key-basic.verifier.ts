import { Injectable } from '@nestjs/common';
import { ApiKeyAuthenticator } from '../../keys/api-key-authenticator.js';
import { looksLikeKey } from '../../keys/key-format.js';
import type { Credential } from '../credential.js';
import { NOT_MINE, type CredentialVerifier, type Verification } from './credential-verifier.js';

/** Portcullis basic keys sent as Basic `username:pcl_...`; valid only with the owner's username. */
@Injectable()
export class ApiKeyBasicVerifier implements CredentialVerifier {
  readonly name = 'api-key-basic';

  constructor(private readonly keys: ApiKeyAuthenticator) {}

  async verify(credential: Credential): Promise<Verification> {
    if (credential.kind !== 'basic' || !looksLikeKey(credential.password)) return NOT_MINE;
    const check = await this.keys.basic(credential.username, credential.password);
    return check.ok
      ? { outcome: 'identified', identity: check.identity }
      : { outcome: 'refused', reason: check.reason };
  }
}
