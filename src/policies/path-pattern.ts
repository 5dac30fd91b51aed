/**
 * Path patterns of public, restricted and bypass rules, matched against normalised paths
 * (see decision/path-normalizer.ts):
 *
 * - `/status`    exactly that path (a trailing slash on the request is ignored: `/status/` too);
 * - `/docs/*`    one segment below /docs (`*` matches within a segment: `/v1/*.json` works too);
 * - `/docs/**`   /docs itself and everything below it (`**`, as a whole segment, spans any number
 *                of segments, none included, also between others).
 *
 * Matching is case-sensitive. A pattern is written as a normalised path: it starts with `/` and has
 * no empty, `.` or `..` segment, no `;`, `\`, `?` or `#`, and no control characters.
 */
export interface PathPattern {
  readonly source: string;
  /** Case-sensitive, against a normalised path. */
  matches(path: string): boolean;
  /**
   * Case-insensitive, ignoring trailing dots and spaces of segments: for rules that protect,
   * so that no upstream's looser reading of a path (Windows, case-insensitive routers) escapes.
   */
  matchesLoosely(path: string): boolean;
  /** The same, for a path already read loosely (`loosePath`): once per request, not per rule. */
  matchesLoosePath(loosePath: string): boolean;
}

/** Why a pattern is not valid, or undefined when it is. */
export function pathPatternProblem(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return 'must start with /';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f;\\?#]/.test(pattern)) return 'must not contain ; \\ ? # or controls';
  if (pattern === '/') return undefined;
  const segments = pattern.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') return 'must not contain empty segments (// or a trailing /)';
    if (segment === '.' || segment === '..') return 'must not contain . or .. segments';
    if (segment.includes('**') && segment !== '**') return '** must be a whole segment';
  }
  return undefined;
}

/**
 * Compiles a pattern. Its regular expressions are built when first used, so that compiling a long
 * rule list (after every change, on every instance) costs little, and patterns no request reaches
 * cost nothing.
 */
export function compilePathPattern(pattern: string): PathPattern {
  const problem = pathPatternProblem(pattern);
  if (problem !== undefined) throw new Error(`Invalid path pattern ${pattern}: ${problem}`);
  let strict: RegExp | undefined;
  let loose: RegExp | undefined;
  const matchesLoosePath = (path: string) =>
    (loose ??= new RegExp(toRegExpSource(loosen(pattern)), 'i')).test(path);
  return {
    source: pattern,
    matches: (path) =>
      (strict ??= new RegExp(toRegExpSource(pattern))).test(withoutTrailingSlash(path)),
    matchesLoosely: (path) => matchesLoosePath(loosePath(path)),
    matchesLoosePath,
  };
}

/** A normalised path as rules that protect read it: trailing dots, spaces and slash dropped. */
export function loosePath(path: string): string {
  return withoutTrailingSlash(loosen(path));
}

function toRegExpSource(pattern: string): string {
  let source = '^';
  for (const segment of pattern.split('/').slice(1)) {
    if (segment === '') continue;
    source +=
      segment === '**' ? '(?:/[^/]+)*' : '/' + segment.split('*').map(escapeRegExp).join('[^/]*');
  }
  return source + '$';
}

/** `/a/b/` and `/a/b` are one resource to almost every server; the root stays itself. */
function withoutTrailingSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Drops trailing dots and spaces of every segment (`/admin./` reads as `/admin` on Windows). */
function loosen(path: string): string {
  return path.replace(/[. ]+(?=\/|$)/g, (match, offset: number) =>
    // Keep a segment made only of dots or spaces ("..." is a name, not an empty segment).
    offset === 0 || path[offset - 1] === '/' ? match : '',
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether pattern `outer` matches every path `inner` does, when sure: equal, `/**`, or
 * `/prefix/**` over a pattern below the prefix. `ignoreCase`: as rules that protect compare.
 */
export function pathPatternCovers(outer: string, inner: string, ignoreCase = false): boolean {
  const [o, i] = ignoreCase ? [outer.toLowerCase(), inner.toLowerCase()] : [outer, inner];
  if (o === i || o === '/**') return true;
  if (!o.endsWith('/**')) return false;
  const prefix = o.slice(0, -3);
  return !prefix.includes('*') && (i === prefix || i.startsWith(prefix + '/'));
}
