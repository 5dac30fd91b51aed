import { LRUCache } from 'lru-cache';
import { MessageBus, SharedStore } from './shared-store.js';

/** The SharedStore for a single instance without Redis: a bounded map with per-entry TTLs. */
export class InProcessStore extends SharedStore {
  readonly kind = 'in-process';
  private readonly entries = new LRUCache<string, string>({ max: 100_000, ttlAutopurge: false });

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((key) => this.entries.get(key));
  }
  async setIfMarkerIs(
    key: string,
    marker: string,
    expected: string | undefined,
    value: string,
    ttlMs: number,
  ): Promise<void> {
    if (this.entries.get(marker) === expected) this.entries.set(key, value, { ttl: ttlMs });
  }
  async deleteAndMark(keys: string[], markers: string[], markerTtlMs: number): Promise<void> {
    for (const key of keys) this.entries.delete(key);
    for (const marker of markers) {
      const count = Number(this.entries.get(marker) ?? 0) + 1;
      this.entries.set(marker, String(count), { ttl: markerTtlMs });
    }
  }
  async dropAll(namespace: string): Promise<void> {
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(namespace)) this.entries.delete(key);
    }
  }
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, value, { ttl: ttlMs });
  }
  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }
  async getAndDelete(key: string): Promise<string | undefined> {
    const value = this.entries.get(key);
    this.entries.delete(key);
    return value;
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {
    this.entries.clear();
  }
}

/** The MessageBus for a single instance without Redis: delivers to this process's handlers. */
export class InProcessBus extends MessageBus {
  readonly kind = 'in-process';
  readonly live = true;
  private readonly handlers = new Map<string, ((message: string) => void)[]>();

  async publish(channel: string, message: string): Promise<void> {
    // Delivered asynchronously, as Redis would, so publishers never depend on handlers' timing.
    for (const handler of this.handlers.get(channel) ?? []) queueMicrotask(() => handler(message));
  }
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }
  onLost(): void {}
  onRestored(): void {}
  async close(): Promise<void> {
    this.handlers.clear();
  }
}
