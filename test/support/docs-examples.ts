import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The shell examples of the README and docs/*.md that a test runs as written. A block is run
 * when the line before its ```sh fence (blank lines aside) is `<!-- docs-example: name -->`.
 * Inside it:
 * - `pcl_...` stands for the admin's key the reader was given, and `http://127.0.0.1:8080` for
 *   where Portcullis listens: the test puts in its own;
 * - `#> text` lines after a command are what it prints, line by line; `...` in one stands for
 *   any text (a key id, a time);
 * - a command exits 0, or the status its comment names (`# exits 4: denied`).
 */
export interface DocsExample {
  /** The Markdown file, relative to the repository. */
  file: string;
  name: string;
  /** Line of the opening fence, 1-based. */
  line: number;
  commands: ExampleCommand[];
}

export interface ExampleCommand {
  /** The command as written, continuation lines included. */
  text: string;
  line: number;
  /** What it prints, when the example says (`#>` lines). */
  prints: string[] | undefined;
  /** Its exit status: 0 unless its comment says `exits N`. */
  exits: number;
}

const MARKER = /^<!--\s*docs-example:\s*([\w-]+)\s*-->$/;
/** A block the test does not run, and why: `<!-- docs-example-not-run: needs nginx -->`. */
const NOT_RUN = /^<!--\s*docs-example-not-run:\s*\S.*-->$/;
export const ROOT = join(import.meta.dirname, '..', '..');

/** README.md and every docs/*.md. */
export function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name));
  return [join(ROOT, 'README.md'), ...docs];
}

export function examplesIn(path: string): DocsExample[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const examples: DocsExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = MARKER.exec(lines[i]!.trim())?.[1];
    if (name === undefined) continue;
    let fence = i + 1;
    while (lines[fence]?.trim() === '') fence++;
    if (!/^```(sh|bash|shell)\s*$/.test(lines[fence] ?? '')) {
      throw new Error(
        `${relative(ROOT, path)}:${i + 1}: docs-example ${name} is not before a sh block`,
      );
    }
    const end = lines.findIndex((line, index) => index > fence && line.startsWith('```'));
    if (end < 0) throw new Error(`${relative(ROOT, path)}:${fence + 1}: unclosed code block`);
    examples.push({
      file: relative(ROOT, path),
      name,
      line: fence + 1,
      commands: splitCommands(lines.slice(fence + 1, end), fence + 2),
    });
    i = end;
  }
  return examples;
}

/**
 * Shell blocks that run curl or the CLI but are neither marked to run nor marked as not run,
 * by their line: every example is either tested or says why it is not.
 */
export function unmarkedExamples(path: string): number[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const unmarked: number[] = [];
  let previous = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^```(sh|bash|shell)\s*$/.test(line)) {
      const end = lines.findIndex((l, index) => index > i && l.startsWith('```'));
      const body = lines.slice(i + 1, end < 0 ? undefined : end);
      const runsSomething = body.some((l) => /^\s*(curl|portcullis)\s/.test(l));
      if (runsSomething && !MARKER.test(previous) && !NOT_RUN.test(previous)) unmarked.push(i + 1);
      i = end < 0 ? lines.length : end;
      previous = '';
    } else if (line.trim() !== '') {
      previous = line.trim();
    } else if (line.startsWith('```')) {
      previous = '';
    }
  }
  return unmarked;
}

/**
 * Splits a script into its top-level commands: a line continues the command before it while a
 * quote or `$(` is open, or after a line ending in `\`, `|`, `&&` or `||`. Comment-only lines
 * between commands are dropped; `#>` lines are attached to the command before them.
 */
export function splitCommands(lines: string[], firstLine: number): ExampleCommand[] {
  const commands: ExampleCommand[] = [];
  let current: string[] = [];
  let start = 0;
  let state: ScanState = { quote: undefined, depth: 0 };
  lines.forEach((line, index) => {
    if (current.length === 0) {
      const trimmed = line.trim();
      if (trimmed.startsWith('#>')) {
        const last = commands.at(-1);
        if (last === undefined) throw new Error(`line ${firstLine + index}: #> before any command`);
        (last.prints ??= []).push(trimmed.replace(/^#>\s?/, ''));
        return;
      }
      if (trimmed === '' || trimmed.startsWith('#')) return;
      start = firstLine + index;
    }
    current.push(line);
    state = scan(line, state);
    const open = state.quote !== undefined || state.depth > 0;
    const continued = /(\\|\||&&)\s*$/.test(stripComment(line));
    if (!open && !continued) {
      const text = current.join('\n');
      const exits = Number(/#.*\bexits (\d+)/.exec(text)?.[1] ?? 0);
      commands.push({ text, line: start, prints: undefined, exits });
      current = [];
    }
  });
  if (current.length > 0) throw new Error(`line ${start}: the last command is not finished`);
  return commands;
}

interface ScanState {
  quote: "'" | '"' | undefined;
  depth: number;
}

/** Follows quotes and `$(`...`)` through one line; a `#` starting a word outside them ends it. */
function scan(line: string, state: ScanState): ScanState {
  let { quote, depth } = state;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
    } else if (char === '\\') {
      i++;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '$' && line[i + 1] === '(') {
      depth++;
      i++;
    } else if (char === '(') {
      depth++;
    } else if (char === ')') {
      depth = Math.max(0, depth - 1);
    } else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      break;
    }
  }
  return { quote, depth };
}

/** The line without a trailing comment (outside quotes). */
/** A `#>` line as a pattern: `...` stands for any text. */
export function printedLine(expected: string): RegExp {
  const parts = expected.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}
