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
