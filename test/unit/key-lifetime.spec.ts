import {
  addLifetime,
  formatLifetime,
  parseLifetime,
  type Lifetime,
} from '../../src/keys/key-lifetime.js';

describe(parseLifetime.name, () => {
  it.each<[string, Lifetime]>([
    ['1 minute', { amount: 1, unit: 'minute' }],
    ['30 minutes', { amount: 30, unit: 'minute' }],
    ['12hours', { amount: 12, unit: 'hour' }],
    ['1 hour', { amount: 1, unit: 'hour' }],
    ['90 days', { amount: 90, unit: 'day' }],
    ['1 day', { amount: 1, unit: 'day' }],
    ['2 weeks', { amount: 2, unit: 'week' }],
    ['1 week', { amount: 1, unit: 'week' }],
    ['6 months', { amount: 6, unit: 'month' }],
    ['1 month', { amount: 1, unit: 'month' }],
    ['1 year', { amount: 1, unit: 'year' }],
    ['100 years', { amount: 100, unit: 'year' }],
    ['  90 DAYS ', { amount: 90, unit: 'day' }],
  ])('reads %j', (text, expected) => {
    expect(parseLifetime(text)).toEqual(expected);
  });

  it.each([
    '0 days',
    'forever',
    'never',
    '-1 day',
    '101 years',
    '1201 months',
    '1.5 days',
    '01 day',
    'day',
    '90',
    '90  days',
    '90 fortnights',
    '',
  ])('refuses %j', (text) => {
    expect(parseLifetime(text)).toBeUndefined();
  });
});

describe(addLifetime.name, () => {
  const from = new Date(Date.UTC(2025, 0, 31, 12, 30, 15, 250));

  it.each<[Lifetime, number]>([
    [{ amount: 1, unit: 'minute' }, 60_000],
    [{ amount: 45, unit: 'minute' }, 45 * 60_000],
    [{ amount: 12, unit: 'hour' }, 12 * 3_600_000],
    [{ amount: 90, unit: 'day' }, 90 * 86_400_000],
    [{ amount: 2, unit: 'week' }, 14 * 86_400_000],
  ])('adds exact milliseconds for %j', (lifetime, ms) => {
    expect(addLifetime(from, lifetime).getTime() - from.getTime()).toBe(ms);
  });

  it('adds calendar months in UTC, overflowing like JavaScript dates', () => {
    expect(addLifetime(from, { amount: 1, unit: 'month' }).toISOString()).toBe(
      '2025-03-03T12:30:15.250Z',
    );
    expect(addLifetime(from, { amount: 6, unit: 'month' }).toISOString()).toBe(
      '2025-07-31T12:30:15.250Z',
    );
    expect(addLifetime(from, { amount: 12, unit: 'month' }).toISOString()).toBe(
      '2026-01-31T12:30:15.250Z',
    );
  });

  it('adds calendar years in UTC', () => {
    expect(addLifetime(from, { amount: 1, unit: 'year' }).toISOString()).toBe(
      '2026-01-31T12:30:15.250Z',
    );
    const leapDay = new Date(Date.UTC(2024, 1, 29));
    expect(addLifetime(leapDay, { amount: 1, unit: 'year' }).toISOString()).toBe(
      '2025-03-01T00:00:00.000Z',
    );
    expect(addLifetime(leapDay, { amount: 4, unit: 'year' }).toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
  });

  it('leaves its argument unchanged', () => {
    const before = from.getTime();
    addLifetime(from, { amount: 3, unit: 'month' });
    expect(from.getTime()).toBe(before);
  });
});

describe(formatLifetime.name, () => {
  it('pluralises all but one', () => {
    expect(formatLifetime({ amount: 1, unit: 'day' })).toBe('1 day');
    expect(formatLifetime({ amount: 2, unit: 'week' })).toBe('2 weeks');
    expect(formatLifetime({ amount: 12, unit: 'hour' })).toBe('12 hours');
    expect(formatLifetime({ amount: 1, unit: 'year' })).toBe('1 year');
  });

  it('writes what parseLifetime reads back', () => {
    const lifetime: Lifetime = { amount: 6, unit: 'month' };
    expect(parseLifetime(formatLifetime(lifetime))).toEqual(lifetime);
  });
});
