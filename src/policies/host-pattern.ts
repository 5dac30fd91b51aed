/**
 * Host patterns scope rules to one API among several behind a proxy: `api.example.com`, or with
 * `*` standing for one or more characters, as Envoy reads its virtual host domains
 * (`*.example.com` matches a.example.com and a.b.example.com, not example.com). Matched without
 * regard to case, a trailing dot or a port.
 */
export type HostPattern = (hostname: string) => boolean;

const HOST_PATTERN = /^(?=.{1,255}$)[a-z0-9*]([a-z0-9*.-]*[a-z0-9*])?$|^\[[0-9a-f:.]+\]$/;

/** Why a host pattern is not valid, or undefined when it is. */
export function hostPatternProblem(pattern: string): string | undefined {
  return HOST_PATTERN.test(pattern.toLowerCase())
    ? undefined
    : 'must be a host name such as api.example.com, optionally with * wildcards, and no port';
}

export function compileHostPattern(pattern: string): HostPattern {
  const lower = pattern.toLowerCase();
  if (!lower.includes('*')) return (hostname) => hostname === lower;
  const expression = new RegExp(
    '^' +
      lower
        .split('*')
        .map((part) => part.replace(/[.[\]]/g, '\\$&'))
        .join('.+') +
      '$',
  );
  return (hostname) => expression.test(hostname);
}

/**
 * Whether every host that `inner` matches, `outer` matches too. Exact for a literal `inner`; for
 * two wildcard patterns, `outer` must match `inner` with each of its `*` standing for an unknown
 * run of characters, which only a `*` of `outer` can take in (so `*.example.com` covers
 * `*.api.example.com`).
 */
export function hostPatternCovers(outer: string, inner: string): boolean {
  const placeholder = '\u0000';
  return memoised(outer)(inner.toLowerCase().replaceAll('*', placeholder));
}

/** Compiled patterns for the comparisons above, which lint makes by the hundred thousand. */
const compiledPatterns = new Map<string, HostPattern>();
function memoised(pattern: string): HostPattern {
  let compiled = compiledPatterns.get(pattern);
  if (compiled === undefined) {
    if (compiledPatterns.size >= 10_000) compiledPatterns.clear();
    compiled = compileHostPattern(pattern);
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/**
 * Whether some host may match both patterns. Says yes when unsure: two wildcard patterns are
 * told apart only by what they must start or end with (`*.a.com` and `*.b.com` never meet).
 */
export function hostPatternsMayOverlap(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  if (!x.includes('*')) return memoised(y)(x);
  if (!y.includes('*')) return memoised(x)(y);
  const prefix = (p: string) => p.slice(0, p.indexOf('*'));
  const suffix = (p: string) => p.slice(p.lastIndexOf('*') + 1);
  const compatible = (s: string, t: string, fits: (long: string, short: string) => boolean) =>
    s.length >= t.length ? fits(s, t) : fits(t, s);
  return (
    compatible(prefix(x), prefix(y), (long, short) => long.startsWith(short)) &&
    compatible(suffix(x), suffix(y), (long, short) => long.endsWith(short))
  );
}
