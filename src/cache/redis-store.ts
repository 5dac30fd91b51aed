import { Redis, type RedisOptions } from 'ioredis';
import type { RedisSentinelConfig } from '../config/app-config.js';
import type { Logger } from '../logging/logger.js';
import type { BucketTake, CounterAdd, SharedCounters } from '../limits/shared-counters.js';
import { MessageBus, SharedStore } from './shared-store.js';

/** Where Redis is: a fixed URL, or the master that Sentinel names (followed across failovers). */
export type RedisTarget = { url: string } | { sentinel: RedisSentinelConfig };

/**
 * Redis answers in well under a millisecond; a command without an answer after this long means a
 * connection that has gone silent (a partition, a frozen server), which TCP alone would not notice
 * for minutes: the command fails (the caller falls back to the database) and the connection is
 * dropped and dialled again.
 */
const COMMAND_TIMEOUT_MS = 500;
/** How often the subscriber connection is asked for a PONG, and how long it may take. */
const HEARTBEAT_MS = 500;

/** Connection options shared by the command and subscriber connections. */
function connect(target: RedisTarget, logger: Logger, role: string): Redis {
  const options: RedisOptions = {
    // Fail commands fast while Redis is away instead of queueing them: callers fall back or fail closed.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
  const redis =
    'url' in target
      ? new Redis(target.url, options)
      : new Redis({
          ...options,
          sentinels: target.sentinel.sentinels,
          name: target.sentinel.name,
          password: target.sentinel.password,
          sentinelPassword: target.sentinel.sentinelPassword,
          sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
          // Moves to the new master as soon as Sentinel announces a failover.
          failoverDetector: true,
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

/** Runs a command; when it timed out, drops the silent connection so that it is dialled again. */
async function guarded<T>(redis: Redis, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    if ((error as Error).message === 'Command timed out' && redis.status === 'ready') redial(redis);
    throw error;
  }
}

/**
 * Drops a silent connection at once (a polite close would wait for the other end's answer, which
 * does not come); ioredis then dials again by its retry strategy.
 */
function redial(redis: Redis): void {
  redis.stream.destroy();
}

/** INCRBY each key by its ARGV amount, setting its time to live when the add created it. */
const ADD_SCRIPT = `
local totals = {}
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[2 * i - 1])
  local total = redis.call('INCRBY', key, amount)
  if total == amount then redis.call('PEXPIRE', key, ARGV[2 * i]) end
  totals[i] = total
end
return totals`;

/**
 * Token buckets kept as a hash {tokens, at} by the server's clock (instances' clocks may differ):
 * each is refilled to now, the amount taken, and what is left returned (as a string: Lua would
 * truncate a fraction). The debt a bucket may run into is one bucket's worth, so that a burst
 * over the limit is paid back within one period, not indefinitely. An idle bucket is refilled
 * and so expires.
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local left = {}
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[3 * i - 2])
  local capacity = tonumber(ARGV[3 * i - 1])
  local refill = tonumber(ARGV[3 * i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1]) or capacity
  local at = tonumber(state[2]) or now
  if now > at then tokens = math.min(capacity, tokens + (now - at) * refill) end
  tokens = math.max(-capacity, tokens - amount)
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', key, math.ceil((capacity - tokens) / refill) + 1000)
  left[i] = tostring(tokens)
end
return left`;

/** SET KEYS[1] only while the marker KEYS[2] holds ARGV[3] ('': does not exist; markers are counters). */
const SET_IF_MARKER_IS = `
local marker = redis.call('GET', KEYS[2])
if (marker == false and ARGV[3] == '') or marker == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end`;

export class RedisStore extends SharedStore implements SharedCounters {
  readonly kind = 'redis';
  readonly shared = true;
  private readonly redis: Redis;

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
    logger: Logger,
  ) {
    super();
    this.redis = connect(target, logger, 'store');
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    const values = await guarded(this.redis, () =>
      this.redis.mget(...keys.map((k) => this.prefix + k)),
    );
    return values.map((v) => v ?? undefined);
  }
  async setIfMarkerIs(
    key: string,
    marker: string,
    expected: string | undefined,
    value: string,
    ttlMs: number,
  ): Promise<void> {
    await guarded(this.redis, () =>
      this.redis.eval(
        SET_IF_MARKER_IS,
        2,
        this.prefix + key,
        this.prefix + marker,
        value,
        Math.max(1, Math.ceil(ttlMs)),
        expected ?? '',
      ),
    );
  }
  async deleteAndMark(keys: string[], markers: string[], markerTtlMs: number): Promise<void> {
    const multi = this.redis.multi();
    if (keys.length > 0) multi.del(...keys.map((k) => this.prefix + k));
    for (const marker of markers) {
      multi.incr(this.prefix + marker);
      multi.pexpire(this.prefix + marker, markerTtlMs);
    }
    const replies = await guarded(this.redis, () => multi.exec());
    // exec() reports a failed command in its replies rather than rejecting.
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }
  async dropAll(namespace: string): Promise<void> {
    const pattern = `${this.prefix}${namespace}*`;
    let cursor = '0';
    do {
      const [next, names] = await guarded(this.redis, () =>
        this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000),
      );
      if (names.length > 0) await guarded(this.redis, () => this.redis.unlink(...names));
      cursor = next;
    } while (cursor !== '0');
  }
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }
  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys.map((k) => this.prefix + k));
  }
  async getAndDelete(key: string): Promise<string | undefined> {
    // GETDEL (Redis 6.2): atomic, so a value is handed out at most once across instances.
    const value = await guarded(this.redis, () => this.redis.getdel(this.prefix + key));
    return value ?? undefined;
  }
  async ping(): Promise<void> {
    await guarded(this.redis, () => this.redis.ping());
  }
  async add(entries: readonly CounterAdd[]): Promise<number[]> {
    if (entries.length === 0) return [];
    const args = entries.flatMap((e) => [e.amount, Math.max(1, Math.ceil(e.ttlMs))]);
    const totals = (await guarded(this.redis, () =>
      this.redis.eval(
        ADD_SCRIPT,
        entries.length,
        ...entries.map((e) => this.prefix + e.key),
        ...args,
      ),
    )) as number[];
    return totals.map(Number);
  }
  async take(entries: readonly BucketTake[]): Promise<number[]> {
    if (entries.length === 0) return [];
    const args = entries.flatMap((e) => [e.amount, e.capacity, e.refillPerMs]);
    const left = (await guarded(this.redis, () =>
      this.redis.eval(
        TAKE_SCRIPT,
        entries.length,
        ...entries.map((e) => this.prefix + e.key),
        ...args,
      ),
    )) as string[];
    return left.map(Number);
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
  private readonly lostHandlers: (() => void)[] = [];
  private readonly restoredHandlers: (() => void)[] = [];
  private subscribed = false;
  /** subscribe() calls made before the connection was ready, resolved once it has subscribed. */
  private readonly awaitingSubscription: (() => void)[] = [];
  private wasLost = false;
  private readonly heartbeat: NodeJS.Timeout;
  private awaitingPong = false;

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
    logger: Logger,
  ) {
    super();
    this.publisher = connect(target, logger, 'publisher');
    this.subscriber = connect(target, logger, 'subscriber');
    // A subscriber connection may queue commands while reconnecting. It subscribes again itself
    // after a reconnect (see 'ready'): ioredis would too, but reports 'ready' before its SUBSCRIBE
    // is through, and a change announced in that gap would be missed by a trusted cache.
    this.subscriber.options.enableOfflineQueue = true;
    this.subscriber.options.autoResubscribe = false;
    // SUBSCRIBE may be slow under load and must not be cut short; silence on this connection is
    // caught by the heartbeat instead.
    this.subscriber.options.commandTimeout = undefined;
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    this.subscriber.on('close', () => this.lost());
    // Live again only once the channels are subscribed again, not when the connection is.
    this.subscriber.on('ready', () => {
      if (this.handlers.size === 0) return;
      this.subscriber.subscribe(...this.handlers.keys()).then(
        () => this.resubscribed(),
        () => undefined, // the connection failed again: 'close' reports it
      );
    });
    // A subscriber that hears nothing cannot tell a quiet channel from a silent connection; a
    // missed PONG means the latter: drop the connection, which counts as lost (see onLost).
    this.heartbeat = setInterval(() => this.checkSubscriber(logger), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private checkSubscriber(logger: Logger): void {
    if (this.subscriber.status !== 'ready' || this.awaitingPong) return;
    this.awaitingPong = true;
    let answered = false;
    // After a pause of this process (a long collection), the timer would fire before the PONG
    // that came meanwhile is read: judge once the pending input has been (setImmediate runs
    // after the poll phase), so that a pause is not taken for a silent connection.
    const silent = setTimeout(() => setImmediate(() => judge()), HEARTBEAT_MS);
    const judge = () => {
      if (answered) return;
      this.awaitingPong = false;
      if (this.subscriber.status !== 'ready') return;
      logger.warn({ role: 'subscriber' }, 'Redis did not answer a heartbeat; reconnecting');
      // Lost now: the close of a silent connection may take long to come.
      this.lost();
      redial(this.subscriber);
    };
    this.subscriber.ping().then(
      () => {
        answered = true;
        clearTimeout(silent);
        this.awaitingPong = false;
      },
      () => undefined, // a closed connection: 'close' reports the loss
    );
  }

  private resubscribed(): void {
    if (this.subscriber.status !== 'ready') return;
    this.subscribed = true;
    for (const resolve of this.awaitingSubscription.splice(0)) resolve();
    if (!this.wasLost) return;
    this.wasLost = false;
    for (const handler of this.restoredHandlers) handler();
  }

  private lost(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    this.wasLost = true;
    for (const handler of this.lostHandlers) handler();
  }

  get live(): boolean {
    return this.subscribed && this.subscriber.status === 'ready';
  }

  onLost(handler: () => void): void {
    this.lostHandlers.push(handler);
  }

  onRestored(handler: () => void): void {
    this.restoredHandlers.push(handler);
  }

  async publish(channel: string, message: string): Promise<void> {
    await guarded(this.publisher, () => this.publisher.publish(this.prefix + channel, message));
  }
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const full = this.prefix + channel;
    const existing = this.handlers.get(full);
    this.handlers.set(full, [...(existing ?? []), handler]);
    if (this.subscriber.status !== 'ready') {
      // ioredis would send a SUBSCRIBE made during its handshake at once, then refuse its own
      // ready check (INFO) as "in subscriber mode" and drop the connection, which reads as a
      // loss: the 'ready' handler subscribes to every channel instead.
      await new Promise<void>((resolve) => this.awaitingSubscription.push(resolve));
      return;
    }
    if (existing === undefined) await this.subscriber.subscribe(full);
    this.subscribed = true;
  }
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
