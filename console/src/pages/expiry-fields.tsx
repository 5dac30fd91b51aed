import { useState } from 'react';
import { SelectField, TextField } from '../components';

const CHOICES = ['30 days', '90 days', '1 year'] as const;
const UNIT_PATTERN = /^([1-9][0-9]{0,6}) ?(minute|hour|day|week|month|year)s?$/;

/**
 * When a lifetime ("90 days", "1 month") would end if it began now, as the service counts it
 * (src/keys/key-lifetime.ts: months and years are calendar ones); undefined when unreadable.
 */
function endOf(lifetime: string, now: Date): number | undefined {
  const match = UNIT_PATTERN.exec(lifetime.trim().toLowerCase());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const at = new Date(now.getTime());
  const unit = match[2];
  if (unit === 'month') at.setUTCMonth(at.getUTCMonth() + amount);
  else if (unit === 'year') at.setUTCFullYear(at.getUTCFullYear() + amount);
  else {
    const ms = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 }[unit!]!;
    at.setTime(at.getTime() + amount * ms);
  }
  return at.getTime();
}

/**
 * The lifetimes a key form offers: none longer than the maximum (and no "never" under one), and
 * the maximum itself, so that the longest allowed key is one choice away.
 */
export function expiryChoices(max: string | null): [value: string, label: string][] {
  const now = new Date();
  const limit = max === null ? undefined : endOf(max, now);
  const within = CHOICES.filter((choice) => limit === undefined || endOf(choice, now)! <= limit);
  const choices: [string, string][] = within.map((choice) => [choice, choice]);
  if (max !== null && limit !== undefined && !within.includes(max as never)) {
    choices.push([max, `${max} (the maximum)`]);
  }
  if (limit === undefined) choices.push(['never', 'Never']);
  choices.push(['custom', 'Other…']);
  return choices;
}

/** The expiry a key form is set to: one of the choices, or a lifetime typed in. */
export function useExpiry(max: string | null) {
  const choices = expiryChoices(max);
  const [choice, setChoice] = useState<string>();
  const [custom, setCustom] = useState('');
  // The default is 90 days where allowed, else the longest allowed choice.
  const fallback = choices.some(([v]) => v === '90 days') ? '90 days' : choices.at(-2)![0];
  const selected = choice !== undefined && choices.some(([v]) => v === choice) ? choice : fallback;
  return {
    choices,
    max,
    selected,
    setChoice,
    custom,
    setCustom,
    value: selected === 'custom' ? custom.trim() : selected,
  };
}

/** "Expires in", and a lifetime field under "Other…"; the request's error shows on the one used. */
export function ExpiryFields(props: { expiry: ReturnType<typeof useExpiry> }) {
  const { expiry } = props;
  const custom = expiry.selected === 'custom';
  return (
    <>
      <SelectField
        label="Expires in"
        // Only one of the two fields carries the request's name, so its error shows once.
        name={custom ? 'expiryChoice' : 'expiresIn'}
        value={expiry.selected}
        onChange={expiry.setChoice}
        options={expiry.choices}
        hint={
          expiry.max === null
            ? 'No maximum is set.'
            : `At most ${expiry.max} (the maximum key lifetime).`
        }
      />
      {custom && (
        <TextField
          label="Lifetime"
          name="expiresIn"
          value={expiry.custom}
          onChange={expiry.setCustom}
          placeholder="e.g. 12 hours, 2 weeks, 6 months"
        />
      )}
    </>
  );
}
