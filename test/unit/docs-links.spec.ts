import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DENIAL_REASONS, statusFor } from '../../src/core/decision.js';
import { markdownFiles, ROOT } from '../support/docs-examples.js';

// Every relative link and image in the README and docs/*.md leads to a file that exists, and
// every #anchor to a heading of that page, as GitHub names them.

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The text outside fenced code blocks and inline code, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = slug(heading!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative link targets, with the line they are on. */
function linksIn(file: string): { target: string; line: number }[] {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, (block) =>
    block.replace(/[^\n]/g, ' '),
  );
  const links: { target: string; line: number }[] = [];
  for (const match of text.matchAll(/!?\[(?:[^\]`]|`[^`]*`)*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    links.push({ target, line: text.slice(0, match.index).split('\n').length });
  }
  return links;
}

const FILES = markdownFiles();

describe('Links in the README and docs', () => {
  it('finds the pages', () => {
    expect(FILES.map((file) => relative(ROOT, file))).toEqual(
      expect.arrayContaining(['README.md', 'docs/configuration.md', 'docs/production.md']),
    );
  });

  it.each(FILES.map((file) => [relative(ROOT, file), file]))('%s', (_, file) => {
    const broken: string[] = [];
    for (const { target, line } of linksIn(file)) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const destination = path === '' ? file : join(dirname(file), decodeURIComponent(path));
      const where = `${relative(ROOT, file)}:${line}: ${target}`;
      if (!existsSync(destination)) {
        broken.push(`${where} (no such file)`);
      } else if (anchor !== undefined) {
        if (!statSync(destination).isFile() || !destination.endsWith('.md')) {
          broken.push(`${where} (an anchor into something that is not a Markdown page)`);
        } else if (!anchorsOf(destination).has(anchor)) {
          broken.push(`${where} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('makes anchors as GitHub does', () => {
    expect(slug("Trusting the proxy's X-Forwarded-For")).toBe(
      'trusting-the-proxys-x-forwarded-for',
    );
    expect(slug('Why a request was decided so: explain')).toBe(
      'why-a-request-was-decided-so-explain',
    );
    expect(slug('Identity providers (OAuth 2.0 / OpenID Connect)')).toBe(
      'identity-providers-oauth-20--openid-connect',
    );
  });
});

describe('The README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('stays a front door: at most 12 KB, the rest in docs/', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12 * 1024);
  });

  it('states the Node.js floor that package.json declares', () => {
    const engines = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
    const floor = /^>=\s*(\d+(?:\.\d+)*)$/.exec(engines)?.[1];
    expect(floor).toBeDefined();
    expect(readme).toContain(`Node.js ${floor} or newer`);
  });

  it('gives the test command CI runs', () => {
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
    expect(readme).toMatch(/^npm test\b/m);
  });
});

describe('docs/decisions.md', () => {
  it('lists every denial reason with its status', () => {
    const page = readFileSync(join(ROOT, 'docs', 'decisions.md'), 'utf8');
    const rows = [...page.matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\|/gm)].map(
      ([, reason, status]) => [reason, Number(status)],
    );
    expect(rows).toEqual(
      expect.arrayContaining(DENIAL_REASONS.map((reason) => [reason, statusFor(reason)])),
    );
    expect(rows).toHaveLength(DENIAL_REASONS.length);
  });
});
