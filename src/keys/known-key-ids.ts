import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChangeFeed } from '../cache/change-feed.js';
import { MessageBus } from '../cache/shared-store.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { KEY_ID_LENGTH } from './key-format.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGIT = new Map([...BASE62].map((char, value) => [char, value]));
/** Rows read per query while loading: a million keys load in twenty round trips. */
const BATCH = 50_000;
/** A full reload now and then, in case an announcement was missed without a bus outage. */
const RELOAD_MS = 15 * 60_000;

/**
 * The ids of the keys that exist, held exactly and compactly, so that while a client address is
 * over its failed-attempt limit a well-formed key with a real id is still looked up (a valid key is
 * never refused because others failed from its address), and a made-up id is refused without
 * touching the database.
 *
 * A key id is 8 base62 characters (< 2^48), so a double holds it exactly: the ids loaded from the
 * database sit in a sorted Float64Array (8 bytes a key, 8 MB for a million), searched by bisection,
 * and ids created since in a small set. Loaded in the background at start, in batches; kept
 * current by announcements of new keys through the change feed; loaded again after a bus outage
 * and every 15 minutes. Nothing is removed in between: a deleted key's id is merely looked up, and
 * found gone.
 */
@Injectable()
export class KnownKeyIds implements OnApplicationBootstrap, OnApplicationShutdown {
  private loaded: Float64Array | undefined;
  private recent = new Set<number>();
  /** Ids created while a load runs: they may be missing from what it reads. */
  private createdDuringLoad: Set<number> | undefined;
  private loading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeFeed,
    private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.changes.subscribe((change) => {
      if (change.kind === 'keys-created') this.addLocal(change.keyIds);
    });
    this.bus.onRestored(() => void this.reload());
    this.timer = setInterval(() => void this.reload(), RELOAD_MS);
    this.timer.unref();
    void this.reload();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Whether a key with this id exists; undefined until the first load has finished. */
  has(keyId: string): boolean | undefined {
    const value = keyIdValue(keyId);
    if (value === undefined) return false;
    if (this.recent.has(value)) return true;
    if (this.loaded === undefined) return undefined;
    return contains(this.loaded, value);
  }

  /** Ids of keys just created here: known at once, and announced to every other instance. */
  async created(keyIds: string[]): Promise<void> {
    this.addLocal(keyIds);
    await this.changes.publish({ kind: 'keys-created', keyIds });
  }

  /** Loads every id again (one load at a time); resolves when it is done. */
  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private addLocal(keyIds: string[]): void {
    for (const keyId of keyIds) {
      const value = keyIdValue(keyId);
      if (value === undefined) continue;
      this.recent.add(value);
      this.createdDuringLoad?.add(value);
    }
  }

  private async load(): Promise<void> {
    const during = new Set<number>();
    this.createdDuringLoad = during;
    try {
      const values: number[] = [];
      let after = '';
      for (;;) {
        const rows: { key_id: string }[] = await this.dataSource.query(
          'SELECT key_id FROM api_keys WHERE key_id > $1 ORDER BY key_id LIMIT $2',
          [after, BATCH],
        );
        for (const row of rows) {
          const value = keyIdValue(row.key_id);
          if (value !== undefined) values.push(value);
        }
        if (rows.length < BATCH) break;
        after = rows[rows.length - 1]!.key_id;
      }
      this.loaded = Float64Array.from(values).sort();
      this.recent = during;
    } catch (error) {
      // The previous ids stay; until a first load succeeds, limited addresses are refused as before.
      this.logger.warn({ err: (error as Error).message }, 'Could not load the key ids');
    } finally {
      if (this.createdDuringLoad === during) this.createdDuringLoad = undefined;
    }
  }
}

/** A key id as a number (its base62 value); undefined for anything that is not one. */
export function keyIdValue(keyId: string): number | undefined {
  if (keyId.length !== KEY_ID_LENGTH) return undefined;
  let value = 0;
  for (const char of keyId) {
    const digit = DIGIT.get(char);
    if (digit === undefined) return undefined;
    value = value * 62 + digit;
  }
  return value;
}

function contains(sorted: Float64Array, value: number): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const found = sorted[middle]!;
    if (found === value) return true;
    if (found < value) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}
