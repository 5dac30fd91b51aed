import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { SettingsService } from '../settings/settings.service.js';
import { JwksCache } from './jwks-cache.js';
import { ProviderCircuits } from './provider-circuits.js';
import { Provider } from './provider.entity.js';

/** An enabled provider as the decision path uses it. */
export interface ActiveProvider {
  provider: Provider;
  /** Its signing keys, when it issues JWTs. */
  jwks: JwksCache | undefined;
}

/**
 * The enabled providers, in memory, in the order they are tried; reloaded with every policy
 * version (any provider change), so every instance follows an edit within a second. Signing keys
 * already fetched are kept across reloads while the provider's JWKS URI stays the same.
 */
@Injectable()
export class ProviderRegistry implements OnModuleInit {
  private active: readonly ActiveProvider[] = [];
  private byIssuer = new Map<string, ActiveProvider>();
  private listeners: (() => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: SettingsService,
    private readonly circuits: ProviderCircuits,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.load();
    this.settings.addPolicyPart(() => this.load());
  }

  /** The enabled provider whose tokens carry this `iss`. */
  forIssuer(issuer: string): ActiveProvider | undefined {
    return this.byIssuer.get(issuer);
  }

  all(): readonly ActiveProvider[] {
    return this.active;
  }

  /** Called after every reload (caches of provider tokens drop what they hold). */
  onReload(listener: () => void): void {
    this.listeners.push(listener);
  }

  private async load(): Promise<void> {
    const providers = await this.dataSource.getRepository(Provider).find({
      where: { enabled: true },
      order: { position: 'ASC', name: 'ASC' },
    });
    const previous = new Map(this.active.map((a) => [a.provider.id, a]));
    this.active = providers.map((provider) => {
      const kept = previous.get(provider.id)?.jwks;
      const jwks =
        provider.jwksUri === null
          ? undefined
          : kept?.uri === provider.jwksUri
            ? kept
            : new JwksCache(provider.jwksUri, this.circuits.for(provider.id), this.config.jwks);
      return { provider, jwks };
    });
    // Two providers for one issuer: the first in order answers for it.
    this.byIssuer = new Map();
    for (const entry of this.active) {
      const issuer = entry.provider.issuer;
      if (issuer !== null && !this.byIssuer.has(issuer)) this.byIssuer.set(issuer, entry);
    }
    for (const listener of this.listeners) listener();
  }
}
