/**
 * A LIKE/ILIKE pattern matching text that contains `text` anywhere, with `%`, `_` and `\` in it
 * taken literally (the query must say `ESCAPE '\'`): a search for "50%" finds "50%", not "500".
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
