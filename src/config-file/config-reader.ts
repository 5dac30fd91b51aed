import { Ajv, type ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigDocument } from './config-document.js';
import { crossReferenceProblems } from './config-references.js';

/** The checked-in schema, read from the package (it sits beside src/ and dist/). */
const SCHEMA_URL = new URL('../../schema/portcullis-config.schema.json', import.meta.url);

/** One problem in a configuration file, with where it is. */
export interface FileProblem {
  line: number;
  column: number;
  /** JSON pointer to the value (`/pathRules/0/access`). */
  pointer: string;
  message: string;
}

/** A configuration file that is not valid: every problem, each at its line and column. */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
  constructor(
    readonly file: string,
    readonly problems: FileProblem[],
  ) {
    super(
      `${file} is not a valid Portcullis configuration:\n` +
        problems.map((p) => `  ${file}:${p.line}:${p.column}: ${p.message}`).join('\n'),
    );
  }
}

let validator: ReturnType<Ajv['compile']> | undefined;

function validate(value: unknown): ErrorObject[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object;
    validator = new Ajv({ allErrors: true, strict: true }).compile(schema);
  }
  return validator(value) ? [] : [...(validator.errors ?? [])];
}

/** Reads a configuration file: YAML (or JSON) checked against the schema and its references. */
export function readConfigFile(file: string): ConfigDocument {
  return parseConfig(readFileSync(file, 'utf8'), file);
}

/** Parses and checks a configuration text; `name` is what the problems are reported against. */
export function parseConfig(text: string, name: string): ConfigDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      name,
      doc.errors.map((error) => {
        const { line, col } = at(error.pos[0]);
        return { line, column: col, pointer: '', message: error.message.split('\n')[0] };
      }),
    );
  }
  const value: unknown = doc.toJS();
  const problems = validate(value).map((error) => schemaProblem(doc, at, error));
  if (problems.length === 0) {
    for (const { pointer, message } of crossReferenceProblems(value as ConfigDocument)) {
      problems.push({ ...position(doc, at, pointer), pointer, message });
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ConfigFileError(name, dedupe(problems));
  }
  return value as ConfigDocument;
}

type LinePos = (offset: number) => { line: number; col: number };

/** A schema error in words, placed at the value it is about (or, for a stray key, at the key). */
function schemaProblem(doc: Document, at: LinePos, error: ErrorObject): FileProblem {
  const pointer = error.instancePath;
  const where = pointer || '(top level)';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const keyPosition = keyPositionOf(doc, at, pointer, key);
      return {
        ...keyPosition,
        pointer: `${pointer}/${key}`,
        message: `${where}: unknown field "${key}"`,
      };
    }
    case 'required':
      return {
        ...position(doc, at, pointer),
        pointer,
        message: `${where}: "${String(params.missingProperty)}" is required`,
      };
    case 'enum':
      return {
        ...position(doc, at, pointer),
        pointer,
        message: `${where} must be one of ${(params.allowedValues as unknown[]).join(', ')}`,
      };
    case 'const':
      return {
        ...position(doc, at, pointer),
        pointer,
        message: `${where} must be ${JSON.stringify(params.allowedValue)}`,
      };
    default:
      return {
        ...position(doc, at, pointer),
        pointer,
        message: `${where} ${error.message ?? 'is invalid'}`,
      };
  }
}

function segments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Line and column of the node at a JSON pointer, or of its nearest ancestor that exists. */
function position(doc: Document, at: LinePos, pointer: string): { line: number; column: number } {
  const path = segments(pointer);
  for (let length = path.length; length >= 0; length--) {
    const node = (length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true)) as
      Node | null | undefined;
    if (node?.range) {
      const { line, col } = at(node.range[0]);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

function keyPositionOf(
  doc: Document,
  at: LinePos,
  pointer: string,
  key: string,
): { line: number; column: number } {
  const path = segments(pointer);
  const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (isMap(parent)) {
    const pair = parent.items.find((item) => (item.key as { value?: unknown })?.value === key);
    const range = (pair?.key as Node | undefined)?.range;
    if (range) {
      const { line, col } = at(range[0]);
      return { line, column: col };
    }
  }
  return position(doc, at, pointer);
}

/** `oneOf` and the like report one failure several ways: keep the first at each place. */
function dedupe(problems: FileProblem[]): FileProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.pointer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
