/**
 * Key lifetimes are written as "<n> <unit>" ("90 days", "1 year", "15 minutes") or "never".
 * Months and years are calendar months and years, so "1 month" from 31 January ends on 3 March
 * (JavaScript's date arithmetic), as the admin reading "1 month" expects within a day or two.
 */
export const LIFETIME_UNITS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type LifetimeUnit = (typeof LIFETIME_UNITS)[number];

export interface Lifetime {
  amount: number;
  unit: LifetimeUnit;
}

export const LIFETIME_PATTERN = /^([1-9][0-9]{0,6}) ?(minute|hour|day|week|month|year)s?$/;
export const LIFETIME_DESCRIPTION =
  'An interval such as "30 minutes", "12 hours", "90 days", "2 weeks", "6 months", "1 year"';

/** Upper bound on any lifetime, so that dates stay sane. */
const MAX_YEARS = 100;

export function parseLifetime(text: string): Lifetime | undefined {
  const match = LIFETIME_PATTERN.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const lifetime = { amount: Number(match[1]), unit: match[2] as LifetimeUnit };
  const now = new Date();
  const end = addLifetime(now, lifetime);
  const limit = addLifetime(now, { amount: MAX_YEARS, unit: 'year' });
  return end.getTime() <= limit.getTime() ? lifetime : undefined;
}

export function addLifetime(from: Date, { amount, unit }: Lifetime): Date {
  const at = new Date(from.getTime());
  switch (unit) {
    case 'minute':
      at.setTime(at.getTime() + amount * 60_000);
      break;
    case 'hour':
      at.setTime(at.getTime() + amount * 3_600_000);
      break;
    case 'day':
      at.setTime(at.getTime() + amount * 86_400_000);
      break;
    case 'week':
      at.setTime(at.getTime() + amount * 7 * 86_400_000);
      break;
    case 'month':
      at.setUTCMonth(at.getUTCMonth() + amount);
      break;
    case 'year':
      at.setUTCFullYear(at.getUTCFullYear() + amount);
      break;
  }
  return at;
}

export function formatLifetime({ amount, unit }: Lifetime): string {
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}
