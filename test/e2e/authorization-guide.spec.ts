import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EchoUpstream } from '../support/echo-upstream.js';
import { createGroup, createKey, createUser } from '../support/decisions.js';
import { client } from '../support/http.js';
import { nginxAvailable, startNginx, type RunningNginx } from '../support/nginx.js';
import { rawExchange } from '../support/raw-http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * docs/authorization.md's worked example, run as written: its YAML is applied as the rule list,
 * and every row of its table is sent through real nginx (deploy/nginx/portcullis.conf) in front of
 * an upstream, and asked of POST /v1/decisions for the rule that decided.
 */
const GUIDE = readFileSync(join(import.meta.dirname, '../../docs/authorization.md'), 'utf8');
const example = GUIDE.slice(GUIDE.indexOf('## A worked example'));
const listYaml = /```yaml\n([\s\S]*?)```/.exec(example)![1]!;
const ROWS = [
  ...example.matchAll(/^\| `(\w+) (\S+)`\s*\| (\w+)\s*\| (\d{3}) `(\w+)` \((\S+)\)\s*\|$/gm),
].map(([, method, path, who, status, reason, rule]) => ({
  method: method!,
  path: path!,
  who: who!,
  status: Number(status),
  reason: reason!,
  rule: rule!,
}));

const runNginx = nginxAvailable() || process.env.CI === 'true';

(runNginx ? describe : describe.skip)('The worked example of docs/authorization.md', () => {
  let service: TestApp;
  let upstream: EchoUpstream;
  let nginx: RunningNginx;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    service = await startTestApp();
    upstream = await new EchoUpstream().start();
    nginx = await startNginx(Number(new URL(service.url).port), upstream.port);
    const admin = client(service.url, service.adminKey);
    for (const group of ['writers', 'ops', 'auditors']) await createGroup(admin, group);
    for (const [username, group] of [
      ['alice', 'writers'],
      ['bob', 'ops'],
      ['carol', 'auditors'],
    ] as const) {
      await createUser(admin, username, { groups: [group] });
      keys[username] = (await createKey(admin, { username })).key;
    }
    const current = await admin.get('/v1/admin/rules');
    const applied = await admin.put('/v1/admin/rules', {
      headers: { 'if-match': current.headers.get('etag')! },
      body: parse(listYaml),
    });
    expect(applied.status).toBe(200);
    expect(applied.body.warnings).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await service?.close();
  });

  it('has a table of requests to check', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(15);
  });

  it.each(ROWS)('$method $path as $who: $status $reason ($rule)', async (row) => {
    const authorization: [string, string][] =
      row.who === 'anonymous' ? [] : [['Authorization', `Bearer ${keys[row.who]}`]];
    const before = upstream.received.length;
    const answer = await rawExchange(nginx.port, row.method, row.path, [
      ['Host', 'api.example.com'],
      ...authorization,
    ]);
    expect(answer.status).toBe(row.status);
    if (row.status === 200) {
      expect(upstream.received.length).toBe(before + 1);
    } else {
      expect(answer.headers['x-auth-reason']).toBe(row.reason);
      expect(upstream.received.length).toBe(before);
    }
    const decision = await client(service.url, service.adminKey).post('/v1/decisions', {
      body: {
        method: row.method,
        path: row.path,
        host: 'api.example.com',
        ...(row.who !== 'anonymous' && { credential: keys[row.who] }),
      },
    });
    expect(decision.body).toMatchObject({ status: row.status, reason: row.reason, rule: row.rule });
  });
});
