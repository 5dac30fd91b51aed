import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { ApiKeyRepository } from './api-key.repository.js';

/**
 * Records when keys were last used, off the request path: uses are gathered in memory and written
 * in one statement every LAST_USED_FLUSH_SECONDS, and once more at shutdown so none is lost.
 */
@Injectable()
export class KeyUsageRecorder implements OnModuleInit, OnApplicationShutdown {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    private readonly keys: ApiKeyRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.lastUsedFlushMs);
    this.timer.unref();
  }

  /** Notes a use of the key with this database id. */
  record(keyDbId: string, at = Date.now()): void {
    this.pending.set(keyDbId, at);
  }

  /** Writes what has gathered; a failed write is kept and retried with the next batch. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.keys.recordLastUsed(batch);
      } catch (error) {
        for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
        this.logger.warn(
          { err: (error as Error).message, keys: batch.size },
          'Could not record key use',
        );
      }
    });
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
