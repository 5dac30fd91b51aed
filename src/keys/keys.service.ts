import { KnownKeyIds } from './known-key-ids.js';
import { AppConfig } from '../config/app-config.js';
import { assertUsableAdminRemains } from '../directory/usable-admin.js';
import { Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { PROBLEM_TYPES, ProblemException } from '../common/problem.js';
import { KeyHasher } from '../crypto/key-hasher.js';
import { User } from '../directory/user.entity.js';
import { SettingsService } from '../settings/settings.service.js';
import { ApiKey, type ApiKeyType } from './api-key.entity.js';
import { CredentialInvalidator } from './credential-invalidator.js';
import { KeyMailer } from '../mail/key-mailer.js';
import { rateLimitColumns, rateLimitText } from '../limits/rate-limit.dto.js';
import type { KeyRoute } from '../core/identity.js';
import { containsPattern } from '../common/like-pattern.js';
import { generateKey } from './key-format.js';
import { isPublicKeyId } from './key-ref.pipe.js';
import { addLifetime, parseLifetime } from './key-lifetime.js';
import type {
  CreatedKeyDto,
  KeyDto,
  KeyPageDto,
  KeyState,
  ListKeysQueryDto,
  UpdateKeyDto,
  KeyRouteDto,
} from './keys.dto.js';

export interface NewKey {
  ownerId: string;
  name: string;
  description?: string | null;
  type: ApiKeyType;
  /** "never" or a lifetime such as "90 days". */
  expiresIn: string;
  createdById: string | null;
  /** E-mail the key to the owner's address. */
  emailToOwner?: boolean;
  /** Client addresses and ranges the key may be used from; empty or absent allows any. */
  allowedIps?: string[];
  /** Scopes the key carries. */
  scopes?: string[];
  /** Where the key may be used; empty or absent: anywhere. */
  routes?: KeyRouteDto[];
  /** Request quota, "600 per minute"; null or absent: none. */
  rateLimit?: string | null;
}

type KeyWithOwner = ApiKey & { owner: User };

/** Issues, lists, revokes and deletes API keys. The plaintext leaves only through `create`. */
@Injectable()
export class KeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: KeyHasher,
    private readonly settings: SettingsService,
    private readonly invalidate: CredentialInvalidator,
    private readonly mailer: KeyMailer,
    private readonly config: AppConfig,
    private readonly knownKeyIds: KnownKeyIds,
  ) {}

  /** Issues a key, within the maximum lifetime and the owner's cap on active keys. */
  async create(input: NewKey): Promise<CreatedKeyDto> {
    const expiresAt = this.expiryFor(input.expiresIn, new Date());
    if (input.emailToOwner && !this.mailer.available) {
      throw new ProblemException(
        400,
        'Keys cannot be e-mailed: no mail server is configured (SMTP_URL)',
        {
          type: PROBLEM_TYPES.validation,
          errors: [{ pointer: '#/emailToOwner', detail: 'needs SMTP_URL to be set' }],
        },
      );
    }
    const { created, email } = await this.dataSource.transaction((manager) =>
      this.insert(manager, input, expiresAt),
    );
    // Known at once here and soon everywhere, so a limited address still gets its lookup.
    await this.knownKeyIds.created([created.keyId]);
    if (!input.emailToOwner) return { ...created, emailed: false };
    const emailed = await this.mailer.send({
      to: email!,
      username: created.username,
      key: created.key,
      keyId: created.keyId,
      name: created.name,
      description: created.description,
      type: created.type,
      expiresAt: created.expiresAt,
    });
    return { ...created, emailed };
  }

  private async insert(
    manager: EntityManager,
    input: NewKey,
    expiresAt: Date | null,
  ): Promise<{ created: Omit<CreatedKeyDto, 'emailed'>; email: string | null }> {
    // The owner's row is locked, so that two creations at once cannot both pass the cap.
    const owner = await manager
      .createQueryBuilder(User, 'u')
      .setLock('pessimistic_write')
      .where('u.id = :id', { id: input.ownerId })
      .getOne();
    if (!owner) throw new NotFoundException(`No user with id ${input.ownerId}`);
    if (input.emailToOwner && !owner.email) {
      throw new ProblemException(400, `${owner.username} has no email address to send the key to`, {
        type: PROBLEM_TYPES.validation,
        errors: [{ pointer: '#/emailToOwner', detail: 'the owner has no email address' }],
      });
    }
    await this.assertUnderCap(manager, owner);
    const { plaintext, keyId } = generateKey();
    const key = manager.create(ApiKey, {
      id: randomUUID(),
      keyId,
      hash: this.hasher.hash(plaintext),
      type: input.type,
      ownerId: owner.id,
      name: input.name,
      description: input.description ?? null,
      createdById: input.createdById,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      allowedIps: input.allowedIps ?? [],
      scopes: uniqueScopes(input.scopes),
      routes: normalisedRoutes(input.routes),
      ...rateLimitColumns(input.rateLimit ?? null),
    });
    await manager.insert(ApiKey, key);
    const stored = await manager.findOneOrFail(ApiKey, {
      where: { id: key.id },
      relations: { owner: true },
    });
    return { created: { ...toKeyDto(stored as KeyWithOwner), key: plaintext }, email: owner.email };
  }

  async list(query: ListKeysQueryDto): Promise<KeyPageDto> {
    const qb = this.dataSource
      .getRepository(ApiKey)
      .createQueryBuilder('k')
      .innerJoinAndSelect('k.owner', 'owner');
    if (query.userId !== undefined) qb.andWhere('k.owner_id = :userId', { userId: query.userId });
    if (query.search !== undefined) {
      qb.andWhere("(k.name ILIKE :search ESCAPE '\\' OR k.key_id ILIKE :search ESCAPE '\\')", {
        search: containsPattern(query.search),
      });
    }
    if (query.state === 'revoked') qb.andWhere('k.revoked_at IS NOT NULL');
    if (query.state === 'expired') {
      qb.andWhere('k.revoked_at IS NULL AND k.expires_at IS NOT NULL AND k.expires_at <= now()');
    }
    if (query.state === 'active') {
      qb.andWhere('k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())');
    }
    const [keys, total] = await qb
      .orderBy('k.created_at', 'DESC')
      .addOrderBy('k.id')
      .take(query.limit)
      .skip(query.offset)
      .getManyAndCount();
    return {
      items: keys.map((k) => toKeyDto(k as KeyWithOwner)),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }

  /** A key by its id (UUID) or its public key id. */
  async get(ref: string): Promise<KeyDto> {
    return toKeyDto(await this.find(ref));
  }

  /**
   * Idempotent: revoking a revoked key leaves its first revocation time. The key is named by its id
   * (UUID) or its public key id. With `ownerId`, only that
   * user's key is found (another user's key is "not found", not "forbidden": its existence is not
   * theirs to learn).
   */
  async revoke(ref: string, ownerId?: string): Promise<KeyDto> {
    const key = await this.find(ref, ownerId);
    const { id } = key;
    if (key.revokedAt === null) {
      await this.dataSource.transaction(async (tx) => {
        await tx
          .getRepository(ApiKey)
          .createQueryBuilder()
          .update()
          .set({ revokedAt: () => 'now()' })
          .where('id = :id AND revoked_at IS NULL', { id })
          .execute();
        await assertUsableAdminRemains(tx, this.config.adminGroup);
      });
      await this.invalidate.keyIds([key.keyId]);
    }
    return this.get(id);
  }

  /**
   * Renames, describes, or changes where a key may be used from and on, its scopes or its quota;
   * caches drop the old record. Limiting the last admin's last key to some routes is refused (409):
   * such a key cannot use the admin API.
   */
  async update(ref: string, input: UpdateKeyDto): Promise<KeyDto> {
    const key = await this.find(ref);
    const { id } = key;
    await this.dataSource.transaction(async (tx) => {
      await tx.update(
        ApiKey,
        { id },
        {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.allowedIps !== undefined && { allowedIps: input.allowedIps }),
          ...(input.scopes !== undefined && { scopes: uniqueScopes(input.scopes) }),
          ...(input.routes !== undefined && { routes: normalisedRoutes(input.routes) }),
          ...rateLimitColumns(input.rateLimit),
        },
      );
      if (input.routes !== undefined) await assertUsableAdminRemains(tx, this.config.adminGroup);
    });
    const enforced = ['allowedIps', 'scopes', 'routes', 'rateLimit'] as const;
    if (enforced.some((field) => input[field] !== undefined)) {
      await this.invalidate.keyIds([key.keyId]);
    }
    return this.get(id);
  }

  async delete(ref: string): Promise<void> {
    const key = await this.find(ref);
    const { id } = key;
    await this.dataSource.transaction(async (tx) => {
      await tx.delete(ApiKey, { id });
      await assertUsableAdminRemains(tx, this.config.adminGroup);
    });
    await this.invalidate.keyIds([key.keyId]);
  }

  private async assertUnderCap(manager: EntityManager, owner: User): Promise<void> {
    const cap = this.settings.current().maxActiveKeysPerUser;
    if (cap === null) return;
    const active = await manager
      .createQueryBuilder(ApiKey, 'k')
      .where('k.owner_id = :id AND k.revoked_at IS NULL', { id: owner.id })
      .andWhere('(k.expires_at IS NULL OR k.expires_at > now())')
      .getCount();
    if (active >= cap) {
      throw new ProblemException(
        409,
        `${owner.username} already has ${active} active keys; the maximum is ${cap}. Revoke one first.`,
        {
          type: PROBLEM_TYPES.keyLimit,
          title: 'Too many active keys',
        },
      );
    }
  }

  /** The expiry for "never" or a lifetime, refused when it lies beyond the maximum lifetime. */
  private expiryFor(expiresIn: string, now: Date): Date | null {
    const max = this.settings.current().maxKeyLifetime;
    const maxLifetime = max === null ? undefined : parseLifetime(max);
    const refuse = (detail: string) =>
      new ProblemException(400, detail, {
        type: PROBLEM_TYPES.keyLifetime,
        title: 'Key lifetime exceeds the maximum',
        errors: [{ pointer: '#/expiresIn', detail: `must be at most ${max}` }],
      });
    if (expiresIn.trim().toLowerCase() === 'never') {
      if (maxLifetime) throw refuse(`Keys must expire: the maximum key lifetime is ${max}`);
      return null;
    }
    const lifetime = parseLifetime(expiresIn);
    if (lifetime === undefined) {
      throw new ProblemException(400, 'expiresIn is longer than 100 years', {
        type: PROBLEM_TYPES.validation,
        errors: [{ pointer: '#/expiresIn', detail: 'must be at most 100 years' }],
      });
    }
    const expiresAt = addLifetime(now, lifetime);
    if (maxLifetime && expiresAt.getTime() > addLifetime(now, maxLifetime).getTime()) {
      throw refuse(`A key may live at most ${max}; "${expiresIn}" is longer`);
    }
    return expiresAt;
  }

  /** A key by its id (UUID) or its public key id; with `ownerId`, only that user's. */
  private async find(ref: string, ownerId?: string): Promise<KeyWithOwner> {
    const which = isPublicKeyId(ref) ? { keyId: ref } : { id: ref };
    const key = await this.dataSource.getRepository(ApiKey).findOne({
      where: ownerId === undefined ? which : { ...which, ownerId },
      relations: { owner: true },
    });
    if (!key) {
      throw new NotFoundException(`No key with ${isPublicKeyId(ref) ? 'key id' : 'id'} "${ref}"`);
    }
    return key as KeyWithOwner;
  }
}

export function keyState(key: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now = new Date()): KeyState {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

function toKeyDto(key: KeyWithOwner): KeyDto {
  return {
    id: key.id,
    keyId: key.keyId,
    name: key.name,
    description: key.description,
    type: key.type,
    state: keyState(key),
    userId: key.ownerId,
    username: key.owner.username,
    createdById: key.createdById,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    allowedIps: key.allowedIps,
    scopes: key.scopes,
    routes: key.routes.map((route) => ({ methods: [...route.methods], paths: [...route.paths] })),
    rateLimit: rateLimitText(key),
  };
}

function uniqueScopes(scopes: readonly string[] | undefined): string[] {
  return [...new Set(scopes ?? [])];
}

/** Routes as stored: methods upper-case, without repeats. */
function normalisedRoutes(routes: readonly KeyRouteDto[] | undefined): KeyRoute[] {
  return (routes ?? []).map((route) => ({
    methods: [...new Set((route.methods ?? []).map((method) => method.toUpperCase()))],
    paths: [...new Set(route.paths)],
  }));
}
