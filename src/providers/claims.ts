import { readClaim } from '../core/claims.js';

export { readClaim };

/** A claim as one string (a string, or a number), else undefined. */
export function stringClaim(claims: Record<string, unknown>, path: string): string | undefined {
  const value = readClaim(claims, path);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A claim as a list of names: an array of strings, or one comma- or space-separated string. */
export function listClaim(claims: Record<string, unknown>, path: string): string[] {
  const value = readClaim(claims, path);
  const names = Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? value.split(/[,\s]+/)
      : [];
  return names.map((name) => name.trim()).filter((name) => name !== '');
}

/**
 * Every leaf of a claims object as a dotted path and its value, for the admin choosing the
 * username attribute (`email`, `address.locality`, `groups`).
 */
export function flattenClaims(
  claims: Record<string, unknown>,
  prefix = '',
  depth = 0,
): { path: string; value: unknown }[] {
  const entries: { path: string; value: unknown }[] = [];
  for (const [name, value] of Object.entries(claims)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && depth < 5) {
      entries.push(...flattenClaims(value as Record<string, unknown>, path, depth + 1));
    } else {
      entries.push({ path, value });
    }
  }
  return entries;
}
