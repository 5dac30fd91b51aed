import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { MessageBus } from './shared-store.js';

/** A change that may turn an allow into a deny somewhere; every instance hears of it. */
export type Change =
  | { kind: 'settings'; version: number }
  /** Cached records of these keys are stale (the key, its owner or the owner's groups changed). */
  | { kind: 'keys'; keyIds: string[] }
  /** Keys created with these ids (see KnownKeyIds): not a change that could deny, but news. */
  | { kind: 'keys-created'; keyIds: string[] }
  /** These users changed (disabled, renamed, groups): identities resolved for them are stale. */
  | { kind: 'users'; userIds: string[] };

const CHANNEL = 'changes';

/** Publishes changes to, and delivers them from, every instance through the message bus. */
@Injectable()
export class ChangeFeed {
  constructor(
    private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Never throws (the change is already stored); says whether the announcement went out. */
  async publish(change: Change): Promise<boolean> {
    try {
      // Stamped with the time it was announced, for the invalidation-lag metric.
      await this.bus.publish(CHANNEL, JSON.stringify({ ...change, announcedAt: Date.now() }));
      return true;
    } catch (error) {
      this.logger.warn(
        { kind: change.kind, err: (error as Error).message },
        'Could not publish a change',
      );
      return false;
    }
  }

  async subscribe(handler: (change: Change) => void): Promise<void> {
    await this.bus.subscribe(CHANNEL, (message) => {
      try {
        const { announcedAt, ...change } = JSON.parse(message) as Change & {
          announcedAt?: unknown;
        };
        if (typeof announcedAt === 'number') this.metrics.changeHeard(Date.now() - announcedAt);
        handler(change as Change);
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'Ignored a malformed change message');
      }
    });
  }
}
