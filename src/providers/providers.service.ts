import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { PageQueryDto } from '../common/pagination.js';
import { PROBLEM_TYPES, ProblemException, type InvalidField } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { SettingsService } from '../settings/settings.service.js';
import { OutboundHttp } from './outbound-http.js';
import { discover } from './provider-discovery.js';
import {
  PRESET_DEFAULTS,
  PRESET_PARAMETERS,
  presetEndpoints,
  type PresetParameters,
  type ProviderEndpoints,
} from './provider-presets.js';
import { Provider } from './provider.entity.js';
import type {
  CreateProviderDto,
  ProviderDto,
  ProviderPageDto,
  UpdateProviderDto,
} from './providers.dto.js';

const ENDPOINT_FIELDS = [
  'issuer',
  'authorizationEndpoint',
  'tokenEndpoint',
  'userinfoEndpoint',
  'jwksUri',
  'introspectionEndpoint',
] as const satisfies readonly (keyof ProviderEndpoints)[];

/**
 * Identity providers: presets filled in, discovery read and shown, endpoints checked against the
 * outbound rules, the client secret sealed. Changes share the settings version, so every instance
 * reloads its providers (and forgets the tokens it cached for a changed one).
 */
@Injectable()
export class ProvidersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: SettingsService,
    private readonly outbound: OutboundHttp,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
  ) {}

  async list(page: PageQueryDto): Promise<ProviderPageDto> {
    const [providers, total] = await this.dataSource.getRepository(Provider).findAndCount({
      order: { position: 'ASC', name: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return {
      items: providers.map((p) => this.toDto(p)),
      total,
      limit: page.limit,
      offset: page.offset,
    };
  }

  async get(id: string): Promise<ProviderDto> {
    return this.toDto(await this.find(this.dataSource.manager, id));
  }

  async create(input: CreateProviderDto): Promise<ProviderDto> {
    const id = randomUUID();
    const defaults = PRESET_DEFAULTS[input.preset];
    const parameters = { ...input.parameters };
    const endpoints = await this.endpointsFor(
      input.preset,
      parameters,
      input,
      input.discover ?? true,
    );
    const provider = this.dataSource.getRepository(Provider).create({
      id,
      name: input.name,
      preset: input.preset,
      presetParameters: parameters,
      ...endpoints.values,
      discovery: endpoints.discovery,
      discoveredAt: endpoints.discovery ? new Date() : null,
      clientId: input.clientId,
      clientSecretSealed: input.clientSecret ? this.secrets.seal(input.clientSecret, id) : null,
      scope: input.scope ?? defaults.scope,
      validation: input.validation ?? defaults.validation,
      audience: input.audience ?? null,
      // Vendors' tokens vary (many omit RFC 9068 claims); a custom provider is held to the RFC.
      strictJwt: input.strictJwt ?? input.preset === 'custom',
      usernameAttribute: input.usernameAttribute ?? defaults.usernameAttribute,
      matchBy: input.matchBy ?? defaults.matchBy,
      groupsAttribute: input.groupsAttribute ?? null,
      scopeClaim: input.scopeClaim ?? null,
      groupsMode: input.groupsMode ?? 'add',
      provisionUsers: input.provisionUsers ?? false,
      enabled: input.enabled ?? true,
      consoleSignIn: input.consoleSignIn ?? false,
      position: input.position ?? 100,
      lastAttributes: null,
    });
    assertUsable(provider);
    const saved = await this.settings.changePolicy(async (manager) => {
      await this.assertNameFree(manager, input.name);
      await manager.save(Provider, provider);
      return this.find(manager, id);
    });
    return this.toDto(saved);
  }

  async update(id: string, input: UpdateProviderDto): Promise<ProviderDto> {
    const current = await this.find(this.dataSource.manager, id);
    const parameters = { ...current.presetParameters, ...input.parameters };
    const rediscover =
      input.discover === true ||
      (input.discover !== false &&
        (input.parameters !== undefined ||
          (input.issuer !== undefined && input.issuer !== current.issuer)));
    const changed: Provider = { ...current, presetParameters: parameters };
    if (rediscover || input.parameters !== undefined) {
      const endpoints = await this.endpointsFor(
        current.preset,
        parameters,
        input,
        rediscover,
        current,
      );
      Object.assign(changed, endpoints.values);
      if (endpoints.discovery) {
        changed.discovery = endpoints.discovery;
        changed.discoveredAt = new Date();
      }
    } else {
      for (const field of ENDPOINT_FIELDS) {
        if (input[field] !== undefined) changed[field] = input[field] ?? null;
      }
      this.assertFetchable(changed);
    }
    if (input.usernameAttribute !== undefined) {
      assertSeen(input.usernameAttribute, current.lastAttributes);
    }
    Object.assign(
      changed,
      withoutUndefined({
        name: input.name,
        clientId: input.clientId,
        scope: input.scope,
        validation: input.validation,
        audience: input.audience,
        strictJwt: input.strictJwt,
        usernameAttribute: input.usernameAttribute,
        matchBy: input.matchBy,
        groupsAttribute: input.groupsAttribute,
        scopeClaim: input.scopeClaim,
        groupsMode: input.groupsMode,
        provisionUsers: input.provisionUsers,
        enabled: input.enabled,
        consoleSignIn: input.consoleSignIn,
        position: input.position,
      }),
    );
    if (input.clientSecret !== undefined) {
      changed.clientSecretSealed = input.clientSecret
        ? this.secrets.seal(input.clientSecret, id)
        : null;
    }
    assertUsable(changed);
    const saved = await this.settings.changePolicy(async (manager) => {
      if (input.name !== undefined && input.name.toLowerCase() !== current.name.toLowerCase()) {
        await this.assertNameFree(manager, input.name);
      }
      await manager.save(Provider, changed);
      return this.find(manager, id);
    });
    return this.toDto(saved);
  }

  async delete(id: string): Promise<void> {
    await this.settings.changePolicy(async (manager) => {
      await this.find(manager, id);
      await manager.delete(Provider, { id });
    });
  }

  /** The client secret in clear, for calls to the provider; undefined when none is stored. */
  clientSecretOf(provider: Pick<Provider, 'id' | 'clientSecretSealed'>): string | undefined {
    return provider.clientSecretSealed === null
      ? undefined
      : this.secrets.open(provider.clientSecretSealed, provider.id);
  }

  redirectUri(id: string): string {
    return `${this.publicBase()}/v1/providers/${id}/callback`;
  }

  /** Where the provider sends the browser back after a console sign-in. */
  consoleRedirectUri(id: string): string {
    return `${this.publicBase()}/console/session/oauth/${id}/callback`;
  }

  private publicBase(): string {
    const base =
      this.config.publicUrl ??
      `http://${this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host}:${this.config.port}`;
    return base.replace(/\/+$/, '');
  }

  /**
   * Endpoints from the preset, then from discovery (when asked and there is a document), then the
   * admin's own: each later source wins. Refused when the preset lacks a parameter, discovery
   * fails or disagrees on the issuer, or an endpoint may not be fetched.
   */
  private async endpointsFor(
    preset: Provider['preset'],
    parameters: PresetParameters,
    input: UpdateProviderDto,
    withDiscovery: boolean,
    current?: Provider,
  ): Promise<{
    values: Omit<ProviderEndpoints, 'discoveryUrl'>;
    discovery: Record<string, unknown> | null;
  }> {
    const missing = PRESET_PARAMETERS[preset].filter((name) => !parameters[name]);
    if (missing.length > 0) {
      throw invalid(
        `The ${preset} preset needs ${missing.join(', ')}`,
        missing.map((name) => ({
          pointer: `#/parameters/${name}`,
          detail: 'is required by the preset',
        })),
      );
    }
    const fromPreset = presetEndpoints(preset, parameters);
    const issuer =
      input.issuer !== undefined ? input.issuer : (fromPreset.issuer ?? current?.issuer ?? null);
    const discoveryUrl =
      fromPreset.discoveryUrl ??
      (issuer ? `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration` : null);
    let discovered: Partial<ProviderEndpoints> = {};
    let discovery: Record<string, unknown> | null = null;
    if (withDiscovery && discoveryUrl !== null) {
      const refusal = this.outbound.refusal(discoveryUrl);
      if (refusal)
        throw invalid(`Discovery URL ${discoveryUrl} ${refusal}`, [
          { pointer: '#/issuer', detail: refusal },
        ]);
      try {
        ({ endpoints: discovered, document: discovery } = await discover(
          this.outbound,
          discoveryUrl,
          // A custom provider's discovery is read from its issuer, which it must then name.
          preset === 'custom' ? issuer : (input.issuer ?? null),
        ));
      } catch (error) {
        throw invalid(`Discovery failed: ${(error as Error).message}`, [
          {
            pointer: input.issuer !== undefined ? '#/issuer' : '#/parameters',
            detail: (error as Error).message,
          },
        ]);
      }
    }
    const values = {} as Omit<ProviderEndpoints, 'discoveryUrl'>;
    for (const field of ENDPOINT_FIELDS) {
      const given = input[field];
      values[field] =
        given !== undefined
          ? given
          : (discovered[field] ?? fromPreset[field] ?? current?.[field] ?? null);
    }
    this.assertFetchable(values);
    return { values, discovery };
  }

  private assertFetchable(
    endpoints: Partial<Record<(typeof ENDPOINT_FIELDS)[number], string | null>>,
  ): void {
    const errors: InvalidField[] = [];
    for (const field of ENDPOINT_FIELDS) {
      const value = endpoints[field];
      if (field === 'issuer' || value === null || value === undefined) continue;
      const refusal = this.outbound.refusal(value);
      if (refusal !== undefined) errors.push({ pointer: `#/${field}`, detail: refusal });
    }
    if (errors.length > 0) {
      throw invalid(
        `Endpoints refused: ${errors.map((e) => `${e.pointer.slice(2)} ${e.detail}`).join('; ')}`,
        errors,
      );
    }
  }

  private async assertNameFree(manager: EntityManager, name: string): Promise<void> {
    const taken = await manager
      .createQueryBuilder(Provider, 'p')
      .where('lower(p.name) = lower(:name)', { name })
      .getExists();
    if (taken) throw new ConflictException(`A provider named "${name}" exists`);
  }

  private async find(manager: EntityManager, id: string): Promise<Provider> {
    const provider = await manager.findOneBy(Provider, { id });
    if (!provider) throw new NotFoundException(`No provider with id ${id}`);
    return provider;
  }

  toDto(provider: Provider): ProviderDto {
    return {
      id: provider.id,
      name: provider.name,
      preset: provider.preset,
      parameters: provider.presetParameters,
      issuer: provider.issuer,
      authorizationEndpoint: provider.authorizationEndpoint,
      tokenEndpoint: provider.tokenEndpoint,
      userinfoEndpoint: provider.userinfoEndpoint,
      jwksUri: provider.jwksUri,
      introspectionEndpoint: provider.introspectionEndpoint,
      discovery: provider.discovery,
      discoveredAt: provider.discoveredAt?.toISOString() ?? null,
      clientId: provider.clientId,
      hasClientSecret: provider.clientSecretSealed !== null,
      scope: provider.scope,
      validation: provider.validation,
      audience: provider.audience,
      strictJwt: provider.strictJwt,
      usernameAttribute: provider.usernameAttribute,
      matchBy: provider.matchBy,
      groupsAttribute: provider.groupsAttribute,
      scopeClaim: provider.scopeClaim,
      groupsMode: provider.groupsMode,
      provisionUsers: provider.provisionUsers,
      enabled: provider.enabled,
      consoleSignIn: provider.consoleSignIn,
      position: provider.position,
      redirectUri: this.redirectUri(provider.id),
      consoleRedirectUri: this.consoleRedirectUri(provider.id),
      lastAttributes: provider.lastAttributes,
      createdAt: provider.createdAt.toISOString(),
      updatedAt: provider.updatedAt.toISOString(),
    };
  }
}

/** What each way of validating tokens (and console sign-in) needs, refused with pointers when missing. */
function assertUsable(provider: Provider): void {
  const errors: InvalidField[] = [];
  const need = (field: keyof Provider, why: string) => {
    if (provider[field] === null || provider[field] === '')
      errors.push({ pointer: `#/${field}`, detail: `is required ${why}` });
  };
  switch (provider.validation) {
    case 'jwt':
      need('issuer', 'to validate JWTs');
      need('jwksUri', 'to validate JWTs');
      break;
    case 'userinfo':
      need('userinfoEndpoint', 'to validate tokens at userinfo');
      break;
    case 'introspection':
      need('introspectionEndpoint', 'to validate tokens by introspection');
      need('clientSecretSealed', 'to call introspection');
      break;
    case 'auto':
      if (
        !(provider.issuer && provider.jwksUri) &&
        !provider.userinfoEndpoint &&
        !provider.introspectionEndpoint
      ) {
        errors.push({
          pointer: '#/validation',
          detail: 'needs an issuer and JWKS URI, a userinfo endpoint or an introspection endpoint',
        });
      }
      break;
  }
  if (provider.consoleSignIn) {
    need('authorizationEndpoint', 'for console sign-in');
    need('tokenEndpoint', 'for console sign-in');
    if (!(provider.issuer && provider.jwksUri) && !provider.userinfoEndpoint) {
      errors.push({
        pointer: '#/consoleSignIn',
        detail: 'needs an issuer and JWKS URI (for the ID token) or a userinfo endpoint',
      });
    }
  }
  if (errors.length > 0) {
    throw invalid(
      `The provider is incomplete: ${errors.map((e) => `${e.pointer.slice(2).replace('clientSecretSealed', 'clientSecret')} ${e.detail}`).join('; ')}`,
      errors.map((e) => ({
        ...e,
        pointer: e.pointer.replace('clientSecretSealed', 'clientSecret'),
      })),
    );
  }
}

/** Once a test flow or preview has shown the attributes, the username attribute must be one. */
function assertSeen(attribute: string, seen: string[] | null): void {
  if (seen === null || seen.includes(attribute)) return;
  throw invalid(`The last test showed no attribute "${attribute}"`, [
    {
      pointer: '#/usernameAttribute',
      detail: `was not among the attributes last seen: ${seen.join(', ')}`,
    },
  ]);
}

function invalid(detail: string, errors: InvalidField[]): ProblemException {
  return new ProblemException(400, detail, { type: PROBLEM_TYPES.validation, errors });
}

function withoutUndefined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
