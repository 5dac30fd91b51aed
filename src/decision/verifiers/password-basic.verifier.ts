import { Injectable } from '@nestjs/common';
import { looksLikeKey } from '../../keys/key-format.js';
import { SettingsService } from '../../settings/settings.service.js';
import type { Credential } from '../../core/credential.js';
import {
  NOT_MINE,
  type CredentialVerifier,
  type Verification,
} from '../../core/credential-verifier.js';

/**
 * Basic credentials whose password is not a Portcullis key: an upstream's own users and
 * passwords. Refused while the disablePasswordBasicAuth setting is on (the default); otherwise let
 * through, without identity, for the upstream to check.
 */
@Injectable()
export class PasswordBasicVerifier implements CredentialVerifier {
  readonly name = 'password-basic';

  constructor(private readonly settings: SettingsService) {}

  verify(credential: Credential): Verification {
    if (credential.kind !== 'basic' || looksLikeKey(credential.password)) return NOT_MINE;
    return this.settings.current().disablePasswordBasicAuth
      ? { outcome: 'refused', reason: 'password_basic_disabled' }
      : { outcome: 'upstream_auth' };
  }
}
