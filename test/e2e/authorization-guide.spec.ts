import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFor, type CliResult } from '../support/cli.js';
import { EchoUpstream } from '../support/echo-upstream.js';
import { client } from '../support/http.js';
import { nginxAvailable, startNginx, type RunningNginx } from '../support/nginx.js';
import { RESOURCE, TestOidcProvider } from '../support/oidc-provider.js';
import { rawExchange } from '../support/raw-http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * docs/authorization.md's worked example, run as written: its configuration file is applied with
 * the built CLI (`portcullis apply`), its commands make the users and keys, the corporate IdP is a
 * real OpenID provider issuing JWT access tokens, and every row of its table is sent through real
 * nginx (deploy/nginx/portcullis.conf) in front of an upstream, and asked of POST /v1/decisions for
 * the rule that decided. The CLI runs from dist/: build first (`npx tsc -p tsconfig.build.json`).
 */
// Each CLI command is a process of its own: on a busy 2-core machine that takes seconds.
jest.setTimeout(60_000);

const GUIDE = readFileSync(join(import.meta.dirname, '../../docs/authorization.md'), 'utf8');
const example = GUIDE.slice(
  GUIDE.indexOf('## A worked example'),
  GUIDE.indexOf('## Managing the rules'),
);
const configYaml = /```yaml\n([\s\S]*?)```/.exec(example)![1]!;
const commands = /```sh\n([\s\S]*?)```/.exec(example)![1]!;
/** What the table says, in place of a rule, when a key's own routes refuse the request. */
const KEY_ROUTES = 'key routes';
const ROWS = [
  ...example.matchAll(/^\| `(\w+) (\S+)`\s*\| (\w+)\s*\| (\d{3}) `(\w+)` \(([\w -]+)\)\s*\|$/gm),
].map(([, method, path, who, status, reason, rule]) => ({
  method: method!,
  path: path!,
  who: who!,
  status: Number(status),
  reason: reason!,
  // A refusal by the key's own routes is no rule's: the decision names none.
  rule: rule === KEY_ROUTES ? null : rule!,
}));
/** Every row of the table, matched or not, so that a row the pattern misses cannot go unchecked. */
const TABLE_LINES = example.split('\n').filter((line) => /^\| `/.test(line));

/** The issuer and audience the guide's file names; the test IdP's are known only when it runs. */
const DOC_ISSUER = 'https://idp.example.com';
const DOC_AUDIENCE = 'https://api.example.com';
const CHALLENGE = 'Bearer realm="portcullis", error="insufficient_scope", scope="orders:write"';

/** The people who sign in at the corporate IdP, with the claims their access tokens carry. */
const IDP_ACCOUNTS = {
  tess: {
    groups: ['writers'],
    tid: 'corp',
    permissions: ['orders:write'],
    amr: ['pwd', 'mfa'],
  },
  uma: { groups: ['writers'], tid: 'corp', amr: ['pwd'] },
};

/** A shell command line split into words as sh would, for the plain quoting the guide uses. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"' || c === "'") {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`Unclosed quote in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === ' ') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

const runNginx = nginxAvailable() || process.env.CI === 'true';

(runNginx ? describe : describe.skip)('The worked example of docs/authorization.md', () => {
  let service: TestApp;
  let idp: TestOidcProvider;
  let upstream: EchoUpstream;
  let nginx: RunningNginx;
  let dir: string;
  /** Each caller's credential: keys by their user, IdP tokens by their account. */
  const credentials: Record<string, string> = {};

  beforeAll(async () => {
    // The provider's issuer is fetched by the service (discovery, keys): loopback must be allowed.
    service = await startTestApp({ env: { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' } });
    idp = await TestOidcProvider.start({ accounts: IDP_ACCOUNTS });
    upstream = await new EchoUpstream().start();
    nginx = await startNginx(Number(new URL(service.url).port), upstream.port);

    // The file as the guide writes it, but for the issuer and audience of this test's IdP, which
    // are known only now: the one change made to it before it is applied.
    dir = mkdtempSync(join(tmpdir(), 'portcullis-guide-'));
    const file = join(dir, 'portcullis.yaml');
    expect(configYaml).toContain(`issuer: ${DOC_ISSUER} `);
    expect(configYaml).toContain(`audience: ${DOC_AUDIENCE} `);
    writeFileSync(
      file,
      configYaml
        .replace(`issuer: ${DOC_ISSUER}`, `issuer: ${idp.issuer}`)
        .replace(`audience: ${DOC_AUDIENCE}`, `audience: ${RESOURCE}`),
    );

    // The guide's commands, one by one, through the built CLI. Keys are printed as JSON here only
    // so that the test can read them.
    const cli = cliFor(service.url, service.adminKey);
    const ran: string[] = [];
    for (const line of commands.split('\n').filter((l) => l.trim() !== '')) {
      const [program, ...args] = shellWords(line);
      if (program === 'export') continue; // PORTCULLIS_URL and PORTCULLIS_KEY: cliFor sets them
      expect(program).toBe('portcullis');
      const fileAt = args.indexOf('-f');
      if (fileAt >= 0) args[fileAt + 1] = file;
      const keyCreate = args[0] === 'keys' && args[1] === 'create';
      const result: CliResult = await cli(keyCreate ? [...args, '--json'] : args);
      expect({ line, code: result.code, stderr: result.stderr }).toEqual({
        line,
        code: 0,
        stderr: '',
      });
      if (args[0] === 'apply') {
        // The plan, then its application; the rules as written draw no lint warning.
        expect(result.stdout).toContain('+ rule payroll');
        expect(result.stdout).not.toContain('warning:');
        if (args.includes('--yes')) expect(result.stdout).toMatch(/Applied \d+ change\(s\)\./);
        else expect(result.stdout).toContain('Nothing was changed');
      }
      if (keyCreate) {
        const created = JSON.parse(result.stdout) as { username: string; key: string };
        credentials[created.username] = created.key;
      }
      ran.push(args.slice(0, 2).join(' '));
    }
    expect(ran.filter((c) => c.startsWith('apply'))).toHaveLength(2);
    expect(ran.filter((c) => c === 'keys create')).toHaveLength(4);
    const again = await cli(['apply', '-f', file]);
    expect(again.stdout).toContain('No changes: the service matches the file.');

    for (const account of Object.keys(IDP_ACCOUNTS)) {
      credentials[account] = await idp.jwtAccessToken(account);
    }
  }, 240_000);
  afterAll(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await idp?.stop();
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has a table of at least 40 requests, every row of it readable', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
    expect(ROWS).toHaveLength(TABLE_LINES.length);
    const callers = new Set(ROWS.map((row) => row.who));
    for (const who of callers) if (who !== 'anonymous') expect(credentials[who]).toBeDefined();
  });

  it('covers every effect, every kind of caller and the default', () => {
    const rules = new Set(ROWS.map((row) => row.rule));
    for (const rule of ['webhooks', 'old-export', 'docs', 'admin', 'partners', 'payroll']) {
      expect(rules).toContain(rule);
    }
    expect(rules).toContain('default');
    const reasons = new Set(ROWS.map((row) => row.reason));
    for (const reason of [
      'bypass',
      'anonymous',
      'authenticated',
      'rule_denied',
      'missing_credential',
      'group_denied',
      'insufficient_scope',
      'route_denied',
      'claim_denied',
    ]) {
      expect(reasons).toContain(reason);
    }
  });

  it.each(ROWS)('$method $path as $who: $status $reason ($rule)', async (row) => {
    const credential = row.who === 'anonymous' ? undefined : credentials[row.who]!;
    const before = upstream.received.length;
    const answer = await rawExchange(nginx.port, row.method, row.path, [
      ['Host', 'api.example.com'],
      ...(credential ? [['Authorization', `Bearer ${credential}`] as [string, string]] : []),
    ]);
    expect(answer.status).toBe(row.status);
    if (row.status === 200) {
      expect(upstream.received.length).toBe(before + 1);
      const received = upstream.received.at(-1)!;
      expect([received.method, received.url]).toEqual([row.method, row.path]);
      expect(received.headers['x-auth-bypass']).toBe(row.reason === 'bypass' ? '1' : undefined);
    } else {
      expect(answer.headers['x-auth-reason']).toBe(row.reason);
      expect(upstream.received.length).toBe(before);
    }
    if (row.status === 403) {
      expect(answer.headers['www-authenticate']).toBe(
        row.reason === 'insufficient_scope' ? CHALLENGE : undefined,
      );
    }

    const decision = await client(service.url, service.adminKey).post('/v1/decisions', {
      body: {
        method: row.method,
        path: row.path,
        host: 'api.example.com',
        ...(credential && { credential }),
      },
    });
    expect(decision.body).toMatchObject({ status: row.status, reason: row.reason, rule: row.rule });
    if (row.reason === 'insufficient_scope') {
      expect(decision.body.wwwAuthenticate).toBe(CHALLENGE);
    }
  });
});
