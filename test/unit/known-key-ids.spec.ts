import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import type { ChangeFeed } from '../../src/cache/change-feed.js';
import type { MessageBus } from '../../src/cache/shared-store.js';
import { generateKey } from '../../src/keys/key-format.js';
import { KnownKeyIds, keyIdValue } from '../../src/keys/known-key-ids.js';

/** A database of these key ids, answering the keyset-paged query as PostgreSQL would. */
function database(keyIds: string[], beforeEachPage: () => void = () => undefined) {
  const sorted = [...keyIds].sort();
  let pages = 0;
  const dataSource = {
    query: async (_sql: string, [after, limit]: [string, number]) => {
      pages++;
      beforeEachPage();
      return sorted
        .filter((id) => id > after)
        .slice(0, limit)
        .map((key_id) => ({ key_id }));
    },
  } as unknown as DataSource;
  return { dataSource, pages: () => pages };
}

function knownKeyIds(dataSource: DataSource) {
  const published: unknown[] = [];
  const feed = {
    publish: async (change: unknown) => published.push(change),
  } as unknown as ChangeFeed;
  const known = new KnownKeyIds(dataSource, feed, {} as MessageBus, pino({ level: 'silent' }));
  return { known, published };
}

describe(KnownKeyIds.name, () => {
  it('reads a key id as its base62 value, and nothing else as one', () => {
    expect(keyIdValue('00000000')).toBe(0);
    expect(keyIdValue('00000010')).toBe(62);
    expect(keyIdValue('zzzzzzzz')).toBe(62 ** 8 - 1);
    expect(Number.isSafeInteger(keyIdValue('zzzzzzzz'))).toBe(true);
    for (const bad of ['', 'abc', 'abcdefghi', 'abc-defg', 'äbcdefgh']) {
      expect(keyIdValue(bad)).toBeUndefined();
    }
  });

  it('knows every id after a load in several pages, and no other', async () => {
    const ids = Array.from({ length: 120_000 }, () => generateKey().keyId);
    const { dataSource, pages } = database(ids);
    const { known } = knownKeyIds(dataSource);
    expect(known.has(ids[0]!)).toBeUndefined();
    await known.reload();
    expect(pages()).toBe(3);
    expect(ids.every((id) => known.has(id) === true)).toBe(true);
    const others = Array.from({ length: 10_000 }, () => generateKey().keyId);
    const strangers = others.filter((id) => !ids.includes(id));
    expect(strangers.filter((id) => known.has(id) !== false)).toEqual([]);
  });

  it('knows ids created here at once, announces them, and keeps those created during a load', async () => {
    const early = generateKey().keyId;
    const during = generateKey().keyId;
    const { dataSource } = database([early]);
    const { known, published } = knownKeyIds(dataSource);
    await known.created([early]);
    expect(known.has(early)).toBe(true);
    expect(published).toEqual([{ kind: 'keys-created', keyIds: [early] }]);
    // Created while the next load reads a database that does not have it yet.
    const reloading = known.reload();
    await known.created([during]);
    await reloading;
    expect([known.has(early), known.has(during)]).toEqual([true, true]);
  });
});
