import { ApiProblemError, UnreachableError } from '../admin-client/admin-api.js';

/** A table column: its header and how a row shows in it. */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/** Prints rows as a plain-text table, columns padded to their widest cell. */
export function printTable<T>(rows: T[], columns: Column<T>[]): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i].length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(line(columns.map((c) => c.header.toUpperCase())));
  for (const row of cells) console.log(line(row));
}

/** Prints one record as `field: value` lines. */
export function printRecord(record: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  for (const [name, value] of Object.entries(record)) {
    console.log(`${`${name}:`.padEnd(width + 1)} ${cellText(value)}`);
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cellText).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A refusal or failure, in words: the problem's title and detail, then each invalid field. */
export function describeError(error: unknown): string {
  if (error instanceof ApiProblemError) {
    const { problem } = error;
    const lines = [
      `${problem.title ?? 'Error'} (${problem.status})${problem.detail ? `: ${problem.detail}` : ''}`,
    ];
    for (const field of problem.errors ?? []) {
      lines.push(`  ${field.pointer.replace(/^#/, '') || '/'}: ${field.detail}`);
    }
    return lines.join('\n');
  }
  if (error instanceof UnreachableError) return error.message;
  return (error as Error).message ?? String(error);
}
