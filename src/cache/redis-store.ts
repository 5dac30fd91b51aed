import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import { MessageBus, SharedStore } from './shared-store.js';

/** Connection options shared by the command and subscriber connections. */
function connect(url: string, logger: Logger, role: string): Redis {
  const redis = new Redis(url, {
    // Fail commands fast while Redis is away instead of queueing them: callers fall back or fail closed.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let reported = false;
  redis.on('error', (error: Error) => {
    if (!reported) logger.warn({ role, err: error.message }, 'Redis connection error');
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) logger.info({ role }, 'Redis connection restored');
    reported = false;
  });
  return redis;
}

export class RedisStore extends SharedStore {
  readonly kind = 'redis';
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
    logger: Logger,
  ) {
    super();
    this.redis = connect(url, logger, 'store');
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }
  async delete(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys.map((k) => this.prefix + k));
  }
  async ping(): Promise<void> {
    await this.redis.ping();
  }
  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

export class RedisBus extends MessageBus {
  readonly kind = 'redis';
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, ((message: string) => void)[]>();

  constructor(
    url: string,
    private readonly prefix: string,
    logger: Logger,
  ) {
    super();
    this.publisher = connect(url, logger, 'publisher');
    this.subscriber = connect(url, logger, 'subscriber');
    // A subscriber connection may not queue commands while reconnecting, but ioredis re-subscribes
    // by itself after a reconnect, so delivery resumes without a restart.
    this.subscriber.options.enableOfflineQueue = true;
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.publisher.publish(this.prefix + channel, message);
  }
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const full = this.prefix + channel;
    const existing = this.handlers.get(full);
    this.handlers.set(full, [...(existing ?? []), handler]);
    if (existing === undefined) await this.subscriber.subscribe(full);
  }
  async close(): Promise<void> {
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
