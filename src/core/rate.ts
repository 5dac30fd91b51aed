/** A request rate: so many requests per period, as in "600 per minute". */
export interface Rate {
  requests: number;
  periodSeconds: number;
}

const PERIODS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86_400 };
const RATE = /^\s*(\d{1,9})\s*(?:per|\/)\s*(second|minute|hour|day)s?\s*$/i;
export const MAX_RATE_REQUESTS = 100_000_000;

/** "600 per minute" (or "600/minute") as a Rate; undefined when it is not one. */
export function parseRate(text: string): Rate | undefined {
  const match = RATE.exec(text);
  if (match === null) return undefined;
  const requests = Number(match[1]);
  if (requests < 1 || requests > MAX_RATE_REQUESTS) return undefined;
  return { requests, periodSeconds: PERIODS[match[2]!.toLowerCase()]! };
}

/** A Rate as the admin API shows it: "600 per minute". */
export function formatRate(rate: Rate): string {
  const unit = Object.entries(PERIODS).find(([, seconds]) => seconds === rate.periodSeconds);
  return unit
    ? `${rate.requests} per ${unit[0]}`
    : `${rate.requests} per ${rate.periodSeconds} seconds`;
}

/** The units a rate may be given in, for messages. */
export const RATE_FORMAT = '"<n> per second|minute|hour|day", for example "600 per minute"';
