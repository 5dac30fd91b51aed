/**
 * A key-value store shared by every Portcullis instance (Redis), or, with no REDIS_URL, by this
 * process alone. Values are strings; every entry has a time to live.
 */
export abstract class SharedStore {
  abstract readonly kind: 'redis' | 'in-process';
  abstract get(key: string): Promise<string | undefined>;
  abstract set(key: string, value: string, ttlMs: number): Promise<void>;
  abstract delete(keys: string[]): Promise<void>;
  /** Resolves when the store answers; rejects otherwise (readiness). */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}

/** A message bus between instances (Redis pub/sub), or within this process alone. */
export abstract class MessageBus {
  abstract readonly kind: 'redis' | 'in-process';
  abstract publish(channel: string, message: string): Promise<void>;
  /** Registers a handler; messages published by this instance are delivered to it too. */
  abstract subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  abstract close(): Promise<void>;
}
