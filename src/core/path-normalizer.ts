/**
 * Normalises a request path for policy matching: query string and fragment dropped,
 * percent-decoded once, `;` path parameters removed from each segment (so `..;` is `..`, as some
 * servers read it), `\` read as `/`, empty segments collapsed, and `.` and `..` resolved (never above
 * the root). Case is kept. Returns undefined for what no server should accept: a path that does
 * not start with `/`, invalid percent-encoding or UTF-8, or NUL and other control characters.
 */
export function normalisePath(raw: string): string | undefined {
  let path = raw;
  const cut = path.search(/[?#]/);
  if (cut >= 0) path = path.slice(0, cut);
  if (!path.startsWith('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return undefined;
  const segments: string[] = [];
  for (const part of decoded.replace(/\\/g, '/').split('/')) {
    const segment = part.split(';')[0]!;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = /[/\\]$/.test(decoded) && segments.length > 0 ? '/' : '';
  return '/' + segments.join('/') + trailing;
}
