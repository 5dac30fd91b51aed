import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ChangeFeed } from '../cache/change-feed.js';
import { MessageBus } from '../cache/shared-store.js';
import { PROBLEM_TYPES, ProblemException } from '../common/problem.js';
import { IpRanges } from '../core/client-ip.js';
import { formatLifetime, parseLifetime } from '../keys/key-lifetime.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import type { SettingsDto, UpdateSettingsDto } from './settings.dto.js';
import { Settings } from './settings.entity.js';

const SETTINGS_ID = 1;
const VERSION_POLL_MS = 5000;
const SERVICE_OFF_WARNING =
  'PORTCULLIS IS SWITCHED OFF (settings.enabled = false): every request passes unchecked, with no identity';

/**
 * The global settings. Reads come from an in-memory snapshot (the decision path reads it on every
 * request); every change is written with a new version and announced, and every instance reloads.
 */
@Injectable()
export class SettingsService implements OnModuleInit, OnApplicationShutdown {
  private snapshot: Settings;
  private poll: NodeJS.Timeout | undefined;
  private mayHaveMissed = false;
  private proxies = new IpRanges([]);
  /** Parts of the policy kept outside the settings row (path and access rules). */
  private readonly policyParts: (() => Promise<void>)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeFeed,
    private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    await this.changes.subscribe((change) => {
      if (change.kind === 'settings' && change.version > this.snapshot.version) {
        // The database may be away just now: then the version poll catches up later.
        this.reload().catch(() => (this.mayHaveMissed = true));
      }
    });
    // A safety net for announcements missed while the bus was down: until the bus is back and
    // the version has been compared once, compare it every few seconds.
    this.bus.onLost(() => (this.mayHaveMissed = true));
    this.poll = setInterval(() => {
      if (this.mayHaveMissed) void this.reloadIfNewer();
    }, VERSION_POLL_MS);
    this.poll.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.poll);
  }

  private async reloadIfNewer(): Promise<void> {
    const busWasLive = this.bus.live;
    try {
      const rows: { version: number }[] = await this.dataSource.query(
        'SELECT version FROM settings WHERE id = $1',
        [SETTINGS_ID],
      );
      if ((rows[0]?.version ?? 0) > this.snapshot.version) await this.reload();
      if (busWasLive) this.mayHaveMissed = false;
    } catch {
      // The database is away: keep the settings we have.
    }
  }

  current(): Readonly<Settings> {
    return this.snapshot;
  }

  /** The trusted proxies of the current settings, compiled once per version. */
  trustedProxies(): IpRanges {
    return this.proxies;
  }

  /**
   * Registers a part of the policy stored outside the settings row. Changes to it go through
   * `changePolicy`, so they share the settings version, and it is reloaded with every new version.
   */
  addPolicyPart(reload: () => Promise<void>): void {
    this.policyParts.push(reload);
  }

  /** Rereads the settings and, when the version moved, every policy part before installing it. */
  async reload(): Promise<void> {
    const settings = await this.dataSource
      .getRepository(Settings)
      .findOneByOrFail({ id: SETTINGS_ID });
    // Two reloads can overlap; the one that read an older version must not win.
    if (this.snapshot !== undefined && settings.version < this.snapshot.version) return;
    if (settings.version !== this.snapshot?.version) {
      for (const reloadPart of this.policyParts) await reloadPart();
    }
    this.install(settings);
  }

  /**
   * Runs a change to a policy part in a transaction that also bumps the settings version, then
   * reloads here and announces the new version, so that every instance reloads.
   */
  async changePolicy<T>(change: (manager: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.dataSource.transaction(async (manager) => {
      const changed = await change(manager);
      await manager.query(
        'UPDATE settings SET version = version + 1, updated_at = now() WHERE id = $1',
        [SETTINGS_ID],
      );
      return changed;
    });
    await this.reload();
    await this.changes.publish({ kind: 'settings', version: this.snapshot.version });
    return result;
  }

  /** Warnings an operator must see: in the log on every change, and in /readyz. */
  warnings(): string[] {
    return this.snapshot.enabled ? [] : [SERVICE_OFF_WARNING];
  }

  private install(settings: Settings): void {
    if (!settings.enabled && this.snapshot?.enabled !== false) {
      this.logger.warn({ settingsVersion: settings.version }, SERVICE_OFF_WARNING);
    }
    this.snapshot = settings;
    this.proxies = new IpRanges(settings.trustedProxies);
  }

  async update(input: UpdateSettingsDto): Promise<SettingsDto> {
    // Nothing to change: no new version, no announcement.
    if (Object.values(input).every((value) => value === undefined)) return this.get();
    let maxKeyLifetime = input.maxKeyLifetime;
    if (typeof maxKeyLifetime === 'string') {
      const lifetime = parseLifetime(maxKeyLifetime);
      if (lifetime === undefined) {
        throw new ProblemException(400, 'maxKeyLifetime is longer than 100 years', {
          type: PROBLEM_TYPES.validation,
          errors: [{ pointer: '#/maxKeyLifetime', detail: 'must be at most 100 years' }],
        });
      }
      maxKeyLifetime = formatLifetime(lifetime);
    }
    const updated = await this.dataSource.transaction(async (tx) => {
      await tx
        .createQueryBuilder()
        .update(Settings)
        .set({
          ...(input.enabled !== undefined && { enabled: input.enabled }),
          ...(input.disablePasswordBasicAuth !== undefined && {
            disablePasswordBasicAuth: input.disablePasswordBasicAuth,
          }),
          ...(input.allowSelfServiceKeys !== undefined && {
            allowSelfServiceKeys: input.allowSelfServiceKeys,
          }),
          ...(maxKeyLifetime !== undefined && { maxKeyLifetime }),
          ...(input.maxActiveKeysPerUser !== undefined && {
            maxActiveKeysPerUser: input.maxActiveKeysPerUser,
          }),
          ...(input.trustedProxies !== undefined && { trustedProxies: input.trustedProxies }),
          ...(input.identityHeaderStyle !== undefined && {
            identityHeaderStyle: input.identityHeaderStyle,
          }),
          version: () => 'version + 1',
        })
        .where('id = :id', { id: SETTINGS_ID })
        .execute();
      return tx.findOneByOrFail(Settings, { id: SETTINGS_ID });
    });
    await this.reload();
    await this.changes.publish({ kind: 'settings', version: updated.version });
    return toSettingsDto(updated);
  }

  /** Read from the database, not the snapshot: an admin sees a change made on another instance. */
  async get(): Promise<SettingsDto> {
    await this.reload();
    return toSettingsDto(this.snapshot);
  }
}

export function toSettingsDto(settings: Settings): SettingsDto {
  return {
    version: settings.version,
    enabled: settings.enabled,
    disablePasswordBasicAuth: settings.disablePasswordBasicAuth,
    allowSelfServiceKeys: settings.allowSelfServiceKeys,
    maxKeyLifetime: settings.maxKeyLifetime,
    maxActiveKeysPerUser: settings.maxActiveKeysPerUser,
    trustedProxies: settings.trustedProxies,
    identityHeaderStyle: settings.identityHeaderStyle,
    updatedAt: settings.updatedAt.toISOString(),
  };
}
