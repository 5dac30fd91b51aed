import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { Identity } from '../core/identity.js';
import { mergeGroups } from '../providers/provider-identity.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { ProviderUserResolver, type LocalUser } from '../providers/provider-user-resolver.js';
import type { Provider } from '../providers/provider.entity.js';
import { SettingsService } from '../settings/settings.service.js';
import { mayUseConsole } from './console-access.js';
import type { ProviderSession } from './console-sessions.js';

/** Why a console session or sign-in through a provider is refused (stable codes). */
export type ProviderSessionDenial =
  'provider_unavailable' | 'unknown_user' | 'user_disabled' | 'not_admin';

export type ProviderSessionResult =
  { ok: true; identity: Identity } | { ok: false; reason: ProviderSessionDenial };

/** The public id a provider session goes by (audit log, /v1/me): never the cookie's value. */
export function sessionCredentialId(ref: string): string {
  return `ses_${ref.slice(ref.lastIndexOf(':') + 1, ref.lastIndexOf(':') + 13)}`;
}

/** The identity a provider session (or sign-in) stands for: the local user, the provider's groups. */
export function providerSessionIdentity(
  provider: Provider,
  user: LocalUser,
  tokenGroups: string[],
  session: { ref: string; createdAt: number; expiresAt: number },
): Identity {
  return {
    userId: user.id,
    username: user.username,
    email: user.email,
    displayName: user.displayName,
    groups: mergeGroups(provider, user.groups, tokenGroups),
    credential: {
      kind: 'provider_token',
      id: provider.id,
      keyId: sessionCredentialId(session.ref),
      type: 'bearer',
      allowedIps: [],
    },
    expiresAt: session.expiresAt,
    issuedAt: session.createdAt,
    token: { issuer: provider.issuer },
  };
}

/**
 * Checks, on every request, a console session opened through an identity provider: the provider
 * is still enabled and offered for console sign-in, the user still exists and is enabled, and may
 * still use the console (admin, or self-service keys allowed). The provider's tokens are not
 * asked again: the console session has its own lifetime, as any application's session does.
 */
@Injectable()
export class ProviderSessionCheck {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly users: ProviderUserResolver,
    private readonly settings: SettingsService,
    private readonly config: AppConfig,
  ) {}

  async check(session: ProviderSession): Promise<ProviderSessionResult> {
    const provider = this.signInProvider(session.providerId);
    if (provider === undefined) return { ok: false, reason: 'provider_unavailable' };
    const user = await this.users.byId(session.userId);
    return this.admit(provider, user, session.tokenGroups, session);
  }

  /** An enabled provider offered for console sign-in, by id. */
  signInProvider(id: string): Provider | undefined {
    const provider = this.registry.all().find((active) => active.provider.id === id)?.provider;
    return provider?.consoleSignIn ? provider : undefined;
  }

  /** Whether this user may hold a console session through this provider, and as whom. */
  admit(
    provider: Provider,
    user: LocalUser | undefined,
    tokenGroups: string[],
    session: { ref: string; createdAt: number; expiresAt: number },
  ): ProviderSessionResult {
    if (user === undefined) return { ok: false, reason: 'unknown_user' };
    if (user.disabled) return { ok: false, reason: 'user_disabled' };
    const identity = providerSessionIdentity(provider, user, tokenGroups, session);
    const selfService = this.settings.current().allowSelfServiceKeys;
    if (!mayUseConsole(identity, this.config.adminGroup, selfService)) {
      return { ok: false, reason: 'not_admin' };
    }
    return { ok: true, identity };
  }
}
