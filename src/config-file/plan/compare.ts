import type { FieldChange } from './plan-types.js';

/** The request body that sets the changed fields. */
export function bodyOf(fields: FieldChange[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.field, f.to]));
}

export function isEmpty(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

/** Lists compared as sets (the service keeps them in the order given, which means nothing). */
export function sameSet(
  a: string[] | undefined,
  b: string[] | undefined,
  caseless = false,
): boolean {
  const norm = (list: string[] | undefined) =>
    [...new Set((list ?? []).map((v) => (caseless ? v.toLowerCase() : v)))].sort();
  return same(norm(a), norm(b));
}

/** Deep equality of JSON values, objects compared without regard to key order. */
export function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)),
        )
      : v,
  );
}
