import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { cliFor, type CliResult } from '../support/cli.js';
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
  await post('/v1/admin/path-rules', { access: 'public', pattern: '/docs/**' });
  await post('/v1/admin/path-rules', { access: 'restricted', pattern: '/docs/internal/**' });
  await post('/v1/admin/path-rules', {
    access: 'bypass',
    pattern: '/webhooks/*',
    methods: ['POST'],
    host: 'api.example.com',
    description: 'signed by the sender',
  });
  await post('/v1/admin/access-rules', {
    allowedGroups: ['developers', 'auditors'],
    readOnlyGroups: ['auditors'],
  });
  await post('/v1/admin/access-rules', {
    host: 'admin.example.com',
    allowedIps: ['203.0.113.0/24'],
  });
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
    pathRules: await items('/v1/admin/path-rules'),
    accessRules: await items('/v1/admin/access-rules'),
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
    expect(doc.pathRules).toHaveLength(3);
    expect(doc.accessRules).toHaveLength(2);
    const file = join(dir, 'portcullis.yaml');
    writeFileSync(file, exported);

    // The plan alone changes nothing.
    const plan = await toTarget(['apply', '-f', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('+ group developers');
    expect(plan.stdout).toContain('+ path rule /webhooks/* (POST on api.example.com)');
    expect(plan.stdout).toContain('+ access rule #1 for admin.example.com');
    expect(plan.stdout).toContain('+ provider Corporate IdP');
    expect(plan.stdout).toContain(`clientSecret: $${SECRET_VARIABLE}`);
    expect(plan.stdout).toContain('~ settings');
    expect(plan.stdout).toMatch(/Plan: 9 to add, 1 to change, 0 to remove\./);
    expect(plan.stdout).toContain(`Set before applying: ${SECRET_VARIABLE}`);
    expect((await toTarget(['apply', '-f', file, '--check'])).code).toBe(5);
    const admin = client(target.url, target.adminKey);
    expect((await admin.get('/v1/admin/path-rules')).body.total).toBe(0);

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

    // The target now holds the same configuration, and the secret.
    expect(ok(await toTarget(['export']))).toBe(exported);
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
    expect(before.pathRules).toHaveLength(3);
    const again = await toTarget(['apply', '-f', file, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes: the service matches the file.');
    expect(await serviceState(admin)).toEqual(before);
    const asJson = JSON.parse(ok(await toTarget(['apply', '-f', file, '--json'])));
    expect(asJson).toEqual({ changes: [], notes: [], applied: false });
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
    doc.pathRules[0].access = 'restricted';
    doc.accessRules = doc.accessRules.filter((r: { host?: string }) => r.host === undefined);
    doc.accessRules[0].readOnlyGroups = [];
    delete doc.providers;
    doc.settings = { maxKeyLifetime: null };
    const file = join(dir, 'changed.yaml');
    writeFileSync(file, stringify(doc));

    const plan = await toTarget(['apply', '-f', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('- group ops');
    expect(plan.stdout).toContain(
      '~ path rule /docs/** (any method on any host)\n      access: "public" -> "restricted"',
    );
    expect(plan.stdout).toContain(
      '~ access rule #1 for any host\n      readOnlyGroups: ["auditors"] -> []',
    );
    expect(plan.stdout).toContain('- access rule #1 for admin.example.com');
    expect(plan.stdout).toContain('maxKeyLifetime: "90 days" -> null');
    expect(plan.stdout).toMatch(/note: group portcullis-admins is not in the file but is kept/);
    expect(plan.stdout).not.toContain('provider');
    expect(plan.stdout).toContain('Plan: 0 to add, 3 to change, 2 to remove.');

    expect(ok(await toTarget(['apply', '-f', file, '--yes']))).toContain('Applied 5 change(s).');
    expect(ok(await toTarget(['apply', '-f', file]))).toContain('No changes');
    const admin = client(target.url, target.adminKey);
    expect((await admin.get('/v1/me')).status).toBe(200);
    expect((await admin.get('/v1/admin/providers')).body.total).toBe(1);
    expect((await admin.get('/v1/admin/access-rules')).body.total).toBe(1);
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
        'pathRules:',
        '  - pattern: /docs/**',
        '    access: open',
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
      `${file}:7:13: /pathRules/0/access must be one of public, restricted, bypass`,
    );
    expect(result.stderr).toContain(`${file}:12:19: /providers/0/clientSecret`);
    expect(readFileSync(file, 'utf8')).toContain('in-clear');
  });
});
