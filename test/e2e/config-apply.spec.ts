import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { ApiProblemError, type AdminApi } from '../../src/admin-client/admin-api.js';
import { FetchAdminApi } from '../../src/admin-client/fetch-admin-api.js';
import { ApplyStepError, applyPlan } from '../../src/config-file/config-apply.js';
import { computePlan } from '../../src/config-file/config-plan.js';
import { parseConfig } from '../../src/config-file/config-reader.js';
import { readServiceState } from '../../src/config-file/service-state.js';
import { cliFor, type CliResult } from '../support/cli.js';
import { createKey, createUser } from '../support/decisions.js';
import { client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Each step starts a CLI process (or a service): on a busy 2-core machine that takes seconds.
jest.setTimeout(180_000);
const SECRET = 'provider-client-secret-0123456789';
const SECRET_VARIABLE = 'CORPORATE_IDP_CLIENT_SECRET';
/** Providers here point at loopback, which is fetchable only when allowed. */
const ENV = { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' };

function ok(result: CliResult): string {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return result.stdout;
}

/** The source's rules, in order: the order matters, and must survive export and apply. */
const RULES = [
  {
    name: 'webhooks',
    match: { hosts: ['api.example.com'], paths: ['/webhooks/*'], methods: ['POST'] },
    effect: 'bypass',
    description: 'signed by the sender',
  },
  {
    name: 'internal-docs',
    match: { paths: ['/docs/internal/**'] },
    effect: 'authenticated',
    require: [{ anyGroups: ['developers'] }],
  },
  { name: 'public-docs', match: { paths: ['/docs/**'] }, effect: 'public' },
  {
    name: 'admin-site',
    match: { hosts: ['admin.example.com'] },
    effect: 'authenticated',
    require: [{ ipRanges: ['203.0.113.0/24'], anyGroups: ['ops'] }],
  },
];

/** A source service with one of everything a configuration file holds, and a user and key. */
async function configure(service: TestApp): Promise<void> {
  const admin = client(service.url, service.adminKey);
  const post = async (path: string, body: unknown) => {
    const reply = await admin.post(path, { body });
    expect(reply.status).toBe(201);
  };
  await post('/v1/admin/groups', { name: 'developers', description: 'Writes the code' });
  await post('/v1/admin/groups', { name: 'auditors' });
  await post('/v1/admin/groups', { name: 'ops' });
  await post('/v1/admin/users', { username: 'user-not-exported', groups: ['developers'] });
  await post('/v1/admin/keys', {
    username: 'user-not-exported',
    name: 'k',
    type: 'bearer',
    expiresIn: 'never',
  });
  for (const rule of RULES) await post('/v1/admin/rules', rule);
  const defaultRule = await admin.put('/v1/admin/default-rule', {
    body: {
      effect: 'authenticated',
      require: [{ anyGroups: ['developers', 'auditors'], readOnlyGroups: ['auditors'] }],
    },
  });
  expect(defaultRule.status).toBe(200);
  await post('/v1/admin/providers', {
    name: 'Corporate IdP',
    preset: 'custom',
    discover: false,
    issuer: 'http://127.0.0.1:9/idp',
    jwksUri: 'http://127.0.0.1:9/idp/jwks',
    authorizationEndpoint: 'http://127.0.0.1:9/idp/auth',
    tokenEndpoint: 'http://127.0.0.1:9/idp/token',
    clientId: 'portcullis',
    clientSecret: SECRET,
    validation: 'jwt',
    usernameAttribute: 'email',
    matchBy: 'email',
    consoleSignIn: true,
  });
  const settings = await admin.patch('/v1/admin/settings', {
    body: { allowSelfServiceKeys: true, maxKeyLifetime: '90 days', trustedProxies: ['10.0.0.0/8'] },
  });
  expect(settings.status).toBe(200);
}

/**
 * What a service holds of the configuration, read through its admin API: each record with its id
 * and updatedAt (a remove and re-add, or a rewrite of the same values, shows), and how many audit
 * events it has (every change through the admin API is audited).
 */
async function serviceState(admin: ReturnType<typeof client>) {
  const items = async (path: string) => {
    const reply = await admin.get(`${path}?limit=500`);
    expect(reply.status).toBe(200);
    return reply.body.items as unknown[];
  };
  const settings = await admin.get('/v1/admin/settings');
  const audit = await admin.get('/v1/admin/audit?limit=1');
  expect([settings.status, audit.status]).toEqual([200, 200]);
  return {
    groups: await items('/v1/admin/groups'),
    rules: (await admin.get('/v1/admin/rules')).body as unknown,
    providers: await items('/v1/admin/providers'),
    settings: settings.body,
    auditEvents: audit.body.total as number,
  };
}

describe('export and apply (declarative configuration)', () => {
  let target: TestApp;
  let dir: string;
  /** What the source service exported. */
  let exported: string;

  // One service at a time: services in one process share Passport's strategies, so a second one
  // would check the first one's keys against its own database.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-config-'));
    const source = await startTestApp({ env: ENV });
    try {
      await configure(source);
      exported = ok(await cliFor(source.url, source.adminKey)(['export']));
    } finally {
      await source.close();
    }
    target = await startTestApp({ env: ENV });
  });
  afterAll(async () => {
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports, plans, applies to a fresh instance, exports the same again, and a second apply changes nothing', async () => {
    const toTarget = cliFor(target.url, target.adminKey);

    // Secrets are named, never written; keys and users are not part of the file.
    expect(exported).not.toContain(SECRET);
    expect(exported).not.toMatch(/pcl_/);
    expect(exported).not.toContain('user-not-exported');
    const doc = parseYaml(exported) as Record<string, any>;
    expect(doc.providers[0].clientSecret).toEqual({ env: SECRET_VARIABLE });
    expect(doc.providers[0].consoleSignIn).toBe(true);
    expect(doc.rules.map((r: { name: string }) => r.name)).toEqual(RULES.map((r) => r.name));
    expect(doc.defaultRule).toEqual({
      effect: 'authenticated',
      require: [{ anyGroups: ['developers', 'auditors'], readOnlyGroups: ['auditors'] }],
    });
    const file = join(dir, 'portcullis.yaml');
    writeFileSync(file, exported);

    // The plan alone changes nothing.
    const plan = await toTarget(['apply', '-f', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('+ group developers');
    expect(plan.stdout).toContain(
      '+ rule webhooks\n      position: 1\n      effect: "bypass"\n      match.hosts: ["api.example.com"]',
    );
    expect(plan.stdout).toContain('+ rule admin-site\n      position: 4');
    expect(plan.stdout).toContain(
      '~ default rule default\n      require: [] -> [{"anyGroups":["developers","auditors"],"readOnlyGroups":["auditors"]}]',
    );
    expect(plan.stdout).toContain('+ provider Corporate IdP');
    expect(plan.stdout).toContain(`clientSecret: $${SECRET_VARIABLE}`);
    expect(plan.stdout).toContain('~ settings');
    expect(plan.stdout).toMatch(/Plan: 8 to add, 2 to change, 0 to remove\./);
    expect(plan.stdout).toContain(`Set before applying: ${SECRET_VARIABLE}`);
    expect((await toTarget(['apply', '-f', file, '--check'])).code).toBe(5);
    const admin = client(target.url, target.adminKey);
    expect((await admin.get('/v1/admin/rules')).body.rules).toEqual([]);

    // Without the referenced secret nothing is applied.
    const noSecret = await toTarget(['apply', '-f', file, '--yes']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain(SECRET_VARIABLE);
    expect((await admin.get('/v1/admin/groups')).body.total).toBe(1);

    const applied = await toTarget(['apply', '-f', file, '--yes'], {
      env: { [SECRET_VARIABLE]: SECRET },
    });
    expect({ code: applied.code, stderr: applied.stderr }).toEqual({ code: 0, stderr: '' });
    expect(applied.stdout).toContain('Applied 10 change(s).');
    expect(applied.stdout).not.toContain(SECRET);

    // The target now holds the same configuration, rules in the same order, and the secret.
    expect(ok(await toTarget(['export']))).toBe(exported);
    const rules = (await admin.get('/v1/admin/rules')).body;
    expect(rules.rules.map((r: { name: string }) => r.name)).toEqual(RULES.map((r) => r.name));
    const replaced = await admin.get('/v1/admin/audit?action=rules.replace');
    expect(replaced.body.total).toBe(1);
    const providers = (await admin.get('/v1/admin/providers')).body.items;
    expect(providers).toEqual([
      expect.objectContaining({
        name: 'Corporate IdP',
        hasClientSecret: true,
        consoleSignIn: true,
      }),
    ]);

    // Applying twice changes nothing: the second plan is empty, and what the service holds (every
    // record with its id and updatedAt, the settings, the audit trail) is the same afterwards.
    const before = await serviceState(admin);
    expect(before.groups.length).toBeGreaterThan(1);
    expect((before.rules as { rules: unknown[] }).rules).toHaveLength(4);
    const again = await toTarget(['apply', '-f', file, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes: the service matches the file.');
    expect(await serviceState(admin)).toEqual(before);
    const asJson = JSON.parse(ok(await toTarget(['apply', '-f', file, '--json'])));
    expect(asJson).toEqual({ changes: [], notes: [], warnings: [], applied: false });
    expect((await toTarget(['apply', '-f', file, '--check'])).code).toBe(0);

    // Every change went through the admin API, audited as the admin who applied it.
    const audit = await admin.get('/v1/admin/audit?action=provider.');
    expect(audit.body.items).toEqual([
      expect.objectContaining({ action: 'provider.create', actorUsername: target.adminUsername }),
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(SECRET);
  });

  it('changes and removes what the file changes or leaves out, but never a group the admin is in', async () => {
    const toTarget = cliFor(target.url, target.adminKey);
    const doc = parseYaml(ok(await toTarget(['export']))) as Record<string, any>;
    doc.groups = doc.groups.filter(
      (g: { name: string }) => g.name !== 'ops' && !g.name.startsWith('portcullis-'),
    );
    // admin-site moves to the top and no longer needs ops; webhooks goes; a rule that can never
    // decide is added (the plan warns); the default rule no longer makes auditors read-only.
    const byName = (name: string) => doc.rules.find((r: { name: string }) => r.name === name);
    const adminSite = { ...byName('admin-site'), require: [{ ipRanges: ['203.0.113.0/24'] }] };
    doc.rules = [
      adminSite,
      byName('internal-docs'),
      byName('public-docs'),
      { name: 'guide', match: { paths: ['/docs/guide/**'] }, effect: 'public' },
    ];
    doc.defaultRule = {
      effect: 'authenticated',
      require: [{ anyGroups: ['developers', 'auditors'] }],
    };
    delete doc.providers;
    doc.settings = { maxKeyLifetime: null };
    const file = join(dir, 'changed.yaml');
    writeFileSync(file, stringify(doc));

    const plan = await toTarget(['apply', '-f', file]);
    expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 0, stderr: '' });
    expect(plan.stdout).toContain('- group ops');
    expect(plan.stdout).toContain(
      '~ rule admin-site\n      require: [{"ipRanges":["203.0.113.0/24"],"anyGroups":["ops"]}] -> [{"ipRanges":["203.0.113.0/24"]}]',
    );
    expect(plan.stdout).toContain('> rule admin-site (now first)\n      position: 4 -> 1');
    expect(plan.stdout).not.toMatch(/> rule (internal|public)-docs/);
    expect(plan.stdout).toContain('+ rule guide\n      position: 4');
    expect(plan.stdout).toContain('- rule webhooks (was 1: bypass)');
    expect(plan.stdout).toContain('~ default rule default');
    expect(plan.stdout).toContain(
      '  warning: guide never decides: public-docs, before it, matches every request it does',
    );
    expect(plan.stdout).toContain('maxKeyLifetime: "90 days" -> null');
    expect(plan.stdout).toMatch(/note: group portcullis-admins is not in the file but is kept/);
    expect(plan.stdout).not.toContain('provider');
    expect(plan.stdout).toContain('Plan: 1 to add, 3 to change, 1 to move, 2 to remove.');
    const asJson = JSON.parse(ok(await toTarget(['apply', '-f', file, '--json'])));
    expect(asJson.warnings).toEqual([
      expect.objectContaining({ rule: 'guide', code: 'unreachable' }),
    ]);

    expect(ok(await toTarget(['apply', '-f', file, '--yes']))).toContain('Applied 7 change(s).');
    expect(ok(await toTarget(['apply', '-f', file]))).toContain('No changes');
    const admin = client(target.url, target.adminKey);
    expect((await admin.get('/v1/me')).status).toBe(200);
    expect((await admin.get('/v1/admin/providers')).body.total).toBe(1);
    const rules = (await admin.get('/v1/admin/rules')).body;
    expect(rules.rules.map((r: { name: string }) => r.name)).toEqual([
      'admin-site',
      'internal-docs',
      'public-docs',
      'guide',
    ]);
    expect(rules.defaultRule).toEqual({
      effect: 'authenticated',
      require: [{ anyGroups: ['developers', 'auditors'] }],
    });
  });

  it('refuses to apply rules that changed since the plan, and changes nothing', async () => {
    const admin = client(target.url, target.adminKey);
    const api = new FetchAdminApi(target.url, target.adminKey);
    const doc = parseConfig(
      'version: 1\ngroups: [{name: developers}, {name: auditors}, {name: portcullis-admins}, {name: late}]\nrules:\n  - {name: only, effect: deny, match: {paths: [/only]}}\n',
      'f.yaml',
    );
    const groupsBefore = (await admin.get('/v1/admin/groups')).body.total as number;

    // Changed before apply starts: nothing at all is applied.
    const plan = computePlan(doc, await readServiceState(api));
    const meanwhile = await admin.post('/v1/admin/rules', {
      body: { name: 'meanwhile', effect: 'deny' },
    });
    expect(meanwhile.status).toBe(201);
    await expect(applyPlan(api, plan, {})).rejects.toThrow(
      /The rules changed on the service since the plan was made \(version \d+, now \d+\): nothing was applied/,
    );
    expect((await admin.get('/v1/admin/groups')).body.total).toBe(groupsBefore);

    // Changed while apply runs (after the group is added, before the rules are sent): the PUT is
    // refused by its If-Match, and the rules stay as the other admin left them.
    const racing = computePlan(doc, await readServiceState(api));
    const interfering: AdminApi = {
      async request(method, path, body, headers) {
        const answer = await api.request(method, path, body, headers);
        if (method === 'POST' && path === '/v1/admin/groups') {
          await api.request('DELETE', '/v1/admin/rules/meanwhile');
        }
        return answer as never;
      },
    };
    const failure = await applyPlan(interfering, racing, {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplyStepError);
    expect((failure as ApplyStepError).message).toMatch(
      /^Could not replace the rules \(version \d+\)/,
    );
    expect(((failure as ApplyStepError).cause as ApiProblemError).problem.status).toBe(412);
    const names = (await admin.get('/v1/admin/rules')).body.rules.map(
      (r: { name: string }) => r.name,
    );
    expect(names).toEqual(['admin-site', 'internal-docs', 'public-docs', 'guide']);
  });

  it('translates an old file with pathRules and accessRules, which then decides as it did', async () => {
    const admin = client(target.url, target.adminKey);
    const file = join(dir, 'old.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'pathRules:',
        '  - {pattern: /hooks/*, access: bypass, methods: [POST]}',
        '  - {pattern: /shop/**, access: public}',
        '  - {pattern: /shop/cart/**, access: restricted}',
        'accessRules:',
        '  - {allowedGroups: [developers, auditors], readOnlyGroups: [auditors]}',
        '  - {host: admin.example.com, allowedIps: [203.0.113.0/24]}',
        '',
      ].join('\n'),
    );
    const toTarget = cliFor(target.url, target.adminKey);
    const plan = ok(await toTarget(['apply', '-f', file]));
    expect(plan).toMatch(
      /note: pathRules and accessRules are replaced by rules; translated into \d+ rule\(s\) and the default rule — run export to get the new file/,
    );
    ok(await toTarget(['apply', '-f', file, '--yes']));
    expect(ok(await toTarget(['apply', '-f', file]))).toContain('No changes');

    await createUser(admin, 'dev-1', { groups: ['developers'] });
    await createUser(admin, 'auditor-1', { groups: ['auditors'] });
    await createUser(admin, 'outsider-1');
    const keys = {
      dev: (await createKey(admin, { username: 'dev-1' })).key,
      auditor: (await createKey(admin, { username: 'auditor-1' })).key,
      outsider: (await createKey(admin, { username: 'outsider-1' })).key,
    };
    // What the old path and access rules answered (test/support/legacy-policy.ts).
    const table: [string, string, string, string, keyof typeof keys | null, string][] = [
      ['POST', '/hooks/github', 'api.example.com', '192.0.2.1', null, 'bypass'],
      ['GET', '/shop/items', 'api.example.com', '192.0.2.1', null, 'anonymous'],
      ['GET', '/shop/cart/1', 'api.example.com', '192.0.2.1', null, 'missing_credential'],
      ['GET', '/other', 'api.example.com', '192.0.2.1', null, 'missing_credential'],
      ['POST', '/other', 'api.example.com', '192.0.2.1', 'dev', 'authenticated'],
      ['GET', '/other', 'api.example.com', '192.0.2.1', 'auditor', 'authenticated'],
      ['POST', '/other', 'api.example.com', '192.0.2.1', 'auditor', 'read_only'],
      ['GET', '/other', 'api.example.com', '192.0.2.1', 'outsider', 'group_denied'],
      ['GET', '/x', 'admin.example.com', '192.0.2.1', 'dev', 'ip_denied'],
      ['GET', '/x', 'admin.example.com', '203.0.113.9', 'dev', 'authenticated'],
      ['GET', '/shop/items', 'admin.example.com', '192.0.2.1', null, 'ip_denied'],
    ];
    const answers = [];
    for (const [method, path, host, ip, as] of table) {
      const reply = await admin.post('/v1/decisions', {
        body: { method, path, host, ip, ...(as !== null && { credential: keys[as] }) },
      });
      expect(reply.status).toBe(200);
      answers.push(reply.body.reason as string);
    }
    expect(answers).toEqual(table.map((row) => row[5]));
  });

  it('points at the line and column of each problem in an invalid file, and changes nothing', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'groups:',
        '  - name: developers',
        '    colour: blue',
        'rules:',
        '  - name: docs',
        '    effect: open',
        'providers:',
        '  - name: Okta',
        '    preset: okta',
        '    clientId: abc',
        '    clientSecret: in-clear',
        '',
      ].join('\n'),
    );
    const result = await cliFor(target.url, target.adminKey)(['apply', '-f', file, '--yes']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}:4:5: /groups/0: unknown field "colour"`);
    expect(result.stderr).toContain(
      `${file}:7:13: /rules/0/effect must be one of public, bypass, deny, authenticated`,
    );
    expect(result.stderr).toContain(`${file}:12:19: /providers/0/clientSecret`);
    expect(readFileSync(file, 'utf8')).toContain('in-clear');

    // What only the service can tell (a path pattern it cannot match): refused before any step.
    const admin = client(target.url, target.adminKey);
    const groups = (await admin.get('/v1/admin/groups')).body.total as number;
    const refused = join(dir, 'refused.yaml');
    writeFileSync(
      refused,
      'version: 1\ngroups: [{name: developers}, {name: auditors}, {name: late}, {name: newcomers}]\n' +
        'rules:\n  - {name: bad, effect: deny, match: {paths: ["/a**"]}}\n',
    );
    const step = await cliFor(target.url, target.adminKey)(['apply', '-f', refused, '--yes']);
    expect(step.code).toBe(3);
    expect(step.stderr).toMatch(
      /^Could not replace the rules \(version \d+\) with the file's, after 0 of \d+ change\(s\)/,
    );
    expect(step.stderr).toMatch(
      /^ {2}\/rules\/0\/match\/paths: "\/a\*\*" \*\* must be a whole segment$/m,
    );
    expect((await admin.get('/v1/admin/groups')).body.total).toBe(groups);
  });
});
