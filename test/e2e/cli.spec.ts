import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFor, runCli, type CliResult } from '../support/cli.js';
import { client } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Each step starts a CLI process (or a service): on a busy 2-core machine that takes seconds.
jest.setTimeout(180_000);
const KEY_SHAPE = /pcl_[0-9A-Za-z]{44}/;

/** The command groups and their subcommands, as `portcullis --help` lists them. */
const SUBCOMMANDS: Record<string, string[]> = {
  keys: ['list', 'create', 'update', 'revoke'],
  users: ['list', 'create', 'disable', 'enable', 'delete'],
  groups: ['list', 'create', 'update', 'delete', 'members', 'add-member', 'remove-member'],
  rules: ['list', 'add', 'edit', 'move', 'delete', 'lint'],
  providers: ['list', 'show', 'test'],
  settings: ['get', 'set'],
};

function json<T = any>(result: CliResult): T {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('The portcullis CLI, against a running service', () => {
  let service: TestApp;
  let cli: ReturnType<typeof cliFor>;

  beforeAll(async () => {
    service = await startTestApp();
    cli = cliFor(service.url, service.adminKey);
  });
  afterAll(() => service.close());

  describe('help and usage', () => {
    it('answers --help for every command and subcommand with exit code 0, without a service', async () => {
      const commands = [
        ['--help'],
        ...Object.keys(SUBCOMMANDS).map((group) => [group, '--help']),
        ...Object.entries(SUBCOMMANDS).flatMap(([group, subs]) =>
          subs.map((sub) => [group, sub, '--help']),
        ),
        ['decide', '--help'],
        ['export', '--help'],
        ['apply', '--help'],
        ['bootstrap-admin', '--help'],
        ['generate-key', '--help'],
        ['migrate', '--help'],
      ];
      for (const args of commands) {
        const result = await runCli(args);
        expect({ args, code: result.code }).toEqual({ args, code: 0 });
        expect(result.stdout).toMatch(/Usage|usage/);
      }
      const top = await runCli(['--help']);
      for (const group of [...Object.keys(SUBCOMMANDS), 'decide', 'export', 'apply']) {
        expect(top.stdout).toContain(`  ${group} `);
      }
      expect(top.stdout).toContain('Exit codes:');
    });

    it('exits 2 with the usage line on bad usage', async () => {
      for (const args of [
        ['frobnicate'],
        ['keys', 'frobnicate'],
        ['keys', 'create', '--user'],
        ['keys', 'list', '--colour'],
        ['users', 'create'],
        ['settings', 'set', 'noSuchSetting=1'],
        ['decide', 'GET'],
        ['keys', 'update', 'Xk3f9QaZ'],
        ['groups', 'update', 'developers', '--rate-limit'],
      ]) {
        const result = await cli(args);
        expect({ args, code: result.code }).toEqual({ args, code: 2 });
        expect(result.stderr.length).toBeGreaterThan(0);
      }
      const missing = await cli(['users', 'create']);
      expect(missing.stderr).toContain('Missing <username>');
      expect(missing.stderr).toContain('Usage: portcullis users create <username>');
    });

    it('exits 2 when no admin key is given', async () => {
      const result = await runCli(['keys', 'list', '--url', service.url]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('PORTCULLIS_KEY');
    });
  });

  describe('errors from the server', () => {
    it('prints a bad admin key as a readable refusal and exits 3', async () => {
      const unknownKey = (await runCli(['generate-key'])).stdout.trim();
      for (const key of ['pcl_notakeyatall', unknownKey]) {
        const result = await runCli(['users', 'list'], {
          env: { PORTCULLIS_URL: service.url, PORTCULLIS_KEY: key },
        });
        expect(result.code).toBe(3);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/^Unauthorized \(401\): \S/);
        expect(result.stderr).not.toContain(key);
      }
    });

    it('prints each invalid field of a validation problem, by its pointer, and exits 3', async () => {
      const result = await cli(['users', 'create', 'no spaces!', '--email', 'not-an-email']);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^Invalid request \(400\): /);
      expect(result.stderr).toMatch(/^ {2}\/username: must be 1-64 characters/m);
      expect(result.stderr).toMatch(/^ {2}\/email: /m);
    });

    it('exits 3 for a name the server does not know', async () => {
      const result = await cli(['users', 'disable', 'nobody-here']);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('No user named "nobody-here"');
    });

    it('exits 1 when Portcullis cannot be reached', async () => {
      const port = await freePort();
      const result = await cli(['keys', 'list'], {
        env: { PORTCULLIS_URL: `http://127.0.0.1:${port}` },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Cannot reach Portcullis at http://127.0.0.1:${port}`);
    });
  });

  describe('users and groups', () => {
    it('creates, lists, disables, enables and deletes users, and manages memberships', async () => {
      expect((await cli(['groups', 'create', 'developers', '--description', 'devs'])).code).toBe(0);
      expect((await cli(['groups', 'create', 'auditors'])).code).toBe(0);
      const created = json(
        await cli([
          'users',
          'create',
          'carol',
          '--email',
          'carol@example.com',
          '--group',
          'developers',
          '--json',
        ]),
      );
      expect(created).toMatchObject({ username: 'carol', groups: ['developers'], disabled: false });

      const table = await cli(['users', 'list', '--group', 'developers']);
      expect(table.code).toBe(0);
      expect(table.stdout.split('\n')[0]).toMatch(/^USERNAME\s+EMAIL\s+STATE\s+GROUPS\s+ID$/);
      expect(table.stdout).toMatch(/^carol\s+carol@example\.com\s+enabled\s+developers\s/m);

      expect((await cli(['groups', 'add-member', 'auditors', 'carol'])).code).toBe(0);
      const members = json<{ username: string }[]>(
        await cli(['groups', 'members', 'auditors', '--json']),
      );
      expect(members.map((m) => m.username)).toEqual(['carol']);
      expect((await cli(['groups', 'remove-member', 'auditors', 'carol'])).code).toBe(0);
      const groups = json<{ name: string; memberCount: number }[]>(
        await cli(['groups', 'list', '--json']),
      );
      expect(groups.find((g) => g.name === 'auditors')?.memberCount).toBe(0);
      expect(groups.find((g) => g.name === 'developers')?.memberCount).toBe(1);

      expect(json(await cli(['users', 'disable', 'carol', '--json']))).toMatchObject({
        disabled: true,
      });
      expect(json(await cli(['users', 'enable', 'carol', '--json']))).toMatchObject({
        disabled: false,
      });

      expect((await cli(['groups', 'delete', 'auditors'])).code).toBe(0);
      expect((await cli(['users', 'delete', 'carol'])).code).toBe(0);
      const users = json<{ username: string }[]>(await cli(['users', 'list', '--json']));
      expect(users.map((u) => u.username)).not.toContain('carol');
    });
  });

  describe('keys and decisions', () => {
    it('gives keys and groups a rate limit and shows it in their lists', async () => {
      const group = json<{ rateLimit: string }>(
        await cli(['groups', 'create', 'metered', '--rate-limit', '600/minute', '--json']),
      );
      expect(group.rateLimit).toBe('600 per minute');
      expect((await cli(['groups', 'list'])).stdout).toMatch(/^metered\s+0\s+600 per minute\s/m);
      await cli(['users', 'create', 'quota-user']);
      const created = await cli([
        'keys',
        'create',
        '--user',
        'quota-user',
        '--name',
        'metered-key',
        '--rate-limit',
        '5 per second',
      ]);
      expect(created.code).toBe(0);
      const keyId = KEY_SHAPE.exec(created.stdout)![0].slice(4, 12);
      const table = await cli(['keys', 'list', '--user', 'quota-user']);
      expect(table.stdout.split('\n')[0]).toMatch(/\sRATE LIMIT\s/);
      expect(table.stdout).toMatch(new RegExp(`^${keyId}\\s.*\\s5 per second\\s`, 'm'));
      const refused = await cli(['groups', 'create', 'bad', '--rate-limit', 'lots']);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/^ {2}\/rateLimit: must be "<n> per/m);
    });

    it('creates a key with scopes and routes, and changes or clears them', async () => {
      const created = json<{ keyId: string; scopes: string[]; routes: unknown[] }>(
        await cli([
          'keys',
          'create',
          '--user',
          'quota-user',
          '--name',
          'partner',
          '--scopes',
          'orders:read,orders:write',
          '--route',
          'GET,HEAD /partners/**,/status',
          '--route',
          '/webhooks/*',
          '--json',
        ]),
      );
      expect(created.scopes).toEqual(['orders:read', 'orders:write']);
      expect(created.routes).toEqual([
        { methods: ['GET', 'HEAD'], paths: ['/partners/**', '/status'] },
        { methods: [], paths: ['/webhooks/*'] },
      ]);
      const cleared = json<{ scopes: string[]; routes: unknown[] }>(
        await cli([
          'keys',
          'update',
          created.keyId,
          '--scopes',
          'none',
          '--route',
          'none',
          '--json',
        ]),
      );
      expect(cleared).toMatchObject({ scopes: [], routes: [] });
      const bad = await cli(['keys', 'update', created.keyId, '--route', 'GET /a/../b']);
      expect(bad.code).toBe(3);
      expect(bad.stderr).toMatch(/routes\/0\/paths/);
    });

    it("changes and removes a key's and a group's rate limit, with the refusals as exit codes", async () => {
      const keyId = json<{ keyId: string }>(
        await cli(['keys', 'create', '--user', 'quota-user', '--name', 'to-meter', '--json']),
      ).keyId;
      const changed = await cli(['keys', 'update', keyId, '--rate-limit', '100/hour']);
      expect(changed.code).toBe(0);
      expect(changed.stdout).toMatch(/^rate limit:\s+100 per hour$/m);
      const listed = await cli(['keys', 'list', '--user', 'quota-user']);
      expect(listed.stdout).toMatch(new RegExp(`^${keyId}\\s.*\\s100 per hour\\s`, 'm'));
      const removed = json<{ rateLimit: string | null; name: string }>(
        await cli([
          'keys',
          'update',
          keyId,
          '--rate-limit',
          'none',
          '--name',
          'unmetered',
          '--json',
        ]),
      );
      expect(removed).toMatchObject({ rateLimit: null, name: 'unmetered' });

      const bad = await cli(['keys', 'update', keyId, '--rate-limit', 'lots']);
      expect(bad.code).toBe(3);
      expect(bad.stderr).toMatch(/^ {2}\/rateLimit: must be "<n> per/m);
      const unknown = await cli(['keys', 'update', 'Zz9Zz9Zz', '--rate-limit', 'none']);
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toContain('No key with key id "Zz9Zz9Zz"');
      const nothing = await cli(['keys', 'update', keyId]);
      expect(nothing.code).toBe(2);
      expect(nothing.stderr).toContain('Nothing to change');

      const group = await cli(['groups', 'update', 'METERED', '--rate-limit', '50 per second']);
      expect(group.code).toBe(0);
      expect(group.stdout).toMatch(/^rate limit:\s+50 per second$/m);
      expect((await cli(['groups', 'list'])).stdout).toMatch(/^metered\s+\d+\s+50 per second\s/m);
      const lifted = json<{ rateLimit: string | null }>(
        await cli(['groups', 'update', 'metered', '--rate-limit', 'None', '--json']),
      );
      expect(lifted.rateLimit).toBeNull();
      const refused = await cli(['groups', 'update', 'metered', '--rate-limit', '0 per day']);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/^ {2}\/rateLimit: must be "<n> per/m);
      expect((await cli(['groups', 'update', 'no-such-group', '--rate-limit', 'none'])).code).toBe(
        3,
      );
      const audit = await client(service.url, service.adminKey).get(
        '/v1/admin/audit?action=group.update',
      );
      expect(audit.status).toBe(200);
      expect(audit.body.items.length).toBeGreaterThanOrEqual(2);
    });

    it('creates a key shown once that then authenticates, lists it, and revokes it so that it no longer does', async () => {
      await cli(['users', 'create', 'dave']);
      const created = await cli([
        'keys',
        'create',
        '--user',
        'dave',
        '--name',
        'ci-deploy',
        '--expires',
        '90 days',
      ]);
      expect(created.code).toBe(0);
      const key = KEY_SHAPE.exec(created.stdout)?.[0];
      expect(key).toBeDefined();
      expect(created.stdout).toContain('shown this once');

      const me = client(service.url, key!);
      expect((await me.get('/v1/me')).status).toBe(200);

      const listed = json<{ keyId: string; state: string; username: string }[]>(
        await cli(['keys', 'list', '--user', 'dave', '--json']),
      );
      expect(listed).toEqual([
        expect.objectContaining({ keyId: key!.slice(4, 12), state: 'active', username: 'dave' }),
      ]);
      const table = await cli(['keys', 'list', '--state', 'active']);
      expect(table.stdout).toContain(key!.slice(4, 12));
      expect(table.stdout).not.toContain(key!);

      const allowed = await cli(['decide', 'GET', '/orders', '--credential', key!]);
      expect(allowed.code).toBe(0);
      expect(allowed.stdout).toMatch(/^allowed \(200\) /);
      expect(allowed.stdout).toContain('as dave');

      const basic = JSON.parse(
        (
          await cli([
            'keys',
            'create',
            '--user',
            'dave',
            '--name',
            'basic',
            '--type',
            'basic',
            '--json',
          ])
        ).stdout,
      ) as { key: string };
      const asBasic = await cli(['decide', 'GET', '/orders', '--basic', `dave:${basic.key}`]);
      expect(asBasic.code).toBe(0);
      expect(asBasic.stdout).toContain('as dave');

      const revoked = await cli(['keys', 'revoke', key!.slice(4, 12)]);
      expect(revoked.code).toBe(0);
      expect((await me.get('/v1/me')).status).toBe(401);
      // By its id (UUID) too; and a reference that is neither is refused, pointing at it.
      const [basicKey] = json(await cli(['keys', 'list', '--user', 'dave', '--json'])).filter(
        (k: { name: string }) => k.name === 'basic',
      );
      const byId = json(await cli(['keys', 'revoke', basicKey.id, '--json']));
      expect(byId).toMatchObject({ keyId: basicKey.keyId, state: 'revoked' });
      const neither = await cli(['keys', 'revoke', 'not-a-key']);
      expect(neither.code).toBe(3);
      expect(neither.stderr).toMatch(/^ {2}\/id: must be a key's id/m);

      const denied = await cli(['decide', 'GET', '/orders', '--credential', key!]);
      expect(denied.code).toBe(4);
      expect(denied.stdout).toMatch(/^denied \(401\) revoked_key/);
    });

    it('exits 4 for a denied decision and prints the reason; --json parses', async () => {
      const anonymous = await cli(['decide', 'GET', '/orders']);
      expect(anonymous.code).toBe(4);
      expect(anonymous.stdout).toMatch(/^denied \(401\) missing_credential/);

      const explained = await cli(['decide', 'GET', '/orders', '--explain']);
      expect(explained.code).toBe(4);
      expect(explained.stdout).toContain('why:\n');
      expect(explained.stdout).toContain(
        '→ rule default: no rule matched: the default rule decides (authenticated)',
      );
      expect(explained.stdout).toContain(
        '✗ requirement credential: no credential: an authenticated rule needs one',
      );

      const office = await client(service.url, service.adminKey).post('/v1/admin/rules', {
        body: {
          name: 'office',
          match: { hosts: ['office.example.com'] },
          effect: 'authenticated',
          require: [{ ipRanges: ['203.0.113.0/24'] }],
        },
      });
      expect(office.status).toBe(201);
      const outside = await cli([
        'decide',
        'GET',
        '/x',
        '--host',
        'office.example.com',
        '--ip',
        '198.51.100.7',
        '--credential',
        service.adminKey,
        '--json',
      ]);
      expect(outside.code).toBe(4);
      expect(JSON.parse(outside.stdout)).toMatchObject({
        allowed: false,
        status: 403,
        reason: 'ip_denied',
      });

      const inside = await cli([
        'decide',
        'POST',
        '/x',
        '--host',
        'office.example.com',
        '--ip',
        '203.0.113.9',
        '--credential',
        service.adminKey,
        '--json',
      ]);
      expect(inside.code).toBe(0);
      expect(JSON.parse(inside.stdout)).toMatchObject({ allowed: true, status: 200 });
    });
  });

  describe('settings and providers', () => {
    it('sets settings by field=value and gets them back', async () => {
      const changed = json(
        await cli([
          'settings',
          'set',
          'allowSelfServiceKeys=true',
          'maxKeyLifetime=90 days',
          'trustedProxies=10.0.0.0/8,::1',
          'maxActiveKeysPerUser=5',
          '--json',
        ]),
      );
      expect(changed).toMatchObject({
        allowSelfServiceKeys: true,
        maxKeyLifetime: '90 days',
        trustedProxies: ['10.0.0.0/8', '::1'],
        maxActiveKeysPerUser: 5,
      });
      const cleared = json(await cli(['settings', 'set', 'maxActiveKeysPerUser=null', '--json']));
      expect(cleared).toMatchObject({ maxActiveKeysPerUser: null });
      const shown = await cli(['settings', 'get']);
      expect(shown.stdout).toMatch(/^maxKeyLifetime:\s+90 days$/m);

      const refused = await cli(['settings', 'set', 'identityHeaderStyle=fancy']);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain('/identityHeaderStyle:');
    });

    it('lists providers as JSON, and says when a provider does not exist', async () => {
      expect(json(await cli(['providers', 'list', '--json']))).toEqual([]);
      const missing = await cli(['providers', 'test', 'Nowhere', '--token', 'abc']);
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('No provider named "Nowhere"');
    });
  });
  describe('rules', () => {
    const names = async () =>
      json<{ rules: { name: string }[] }>(await cli(['rules', 'list', '--json'])).rules.map(
        (r) => r.name,
      );

    it('adds, lists, edits, moves and deletes rules, which decide requests at once', async () => {
      for (const group of ['rules-ops', 'rules-dev']) {
        expect((await cli(['groups', 'create', group])).code).toBe(0);
      }
      const before = await names();

      const added = await cli([
        'rules', 'add', 'public-status', '--effect', 'public', '--paths', '/status',
        '--methods', 'get,HEAD', '--description', 'for the load balancer',
      ]); // prettier-ignore
      expect({ code: added.code, stderr: added.stderr }).toEqual({ code: 0, stderr: '' });
      expect(added.stdout).toMatch(/^rule:\s+public-status$/m);
      expect(added.stdout).toMatch(/^methods:\s+GET,HEAD$/m);
      expect(added.stdout).toMatch(new RegExp(`^position:\\s+${before.length + 1}$`, 'm'));
      expect((await cli(['decide', 'GET', '/status'])).code).toBe(0);

      const first = json<{ rule: Record<string, unknown> }>(
        await cli([
          'rules', 'add', 'ops-admin', '--effect', 'authenticated', '--hosts', 'API.example.com',
          '--paths', '/admin/**', '--any-groups', 'rules-ops,rules-dev', '--scopes', 'orders:write',
          '--ip', '10.0.0.0/8', '--claim', 'dept=ops', '--claim', 'roles~admin', '--json',
          ...(before.length > 0 ? ['--before', before[0]!] : []),
        ]), // prettier-ignore
      );
      expect(first.rule).toMatchObject({
        position: 1,
        match: { hosts: ['api.example.com'], paths: ['/admin/**'], methods: [] },
        require: [
          {
            ipRanges: ['10.0.0.0/8'],
            anyGroups: ['rules-ops', 'rules-dev'],
            scopes: ['orders:write'],
            claims: [
              { claim: 'dept', equals: 'ops' },
              { claim: 'roles', contains: 'admin' },
            ],
          },
        ],
      });

      // A rule an earlier one hides: the answer warns.
      const hidden = await cli([
        'rules', 'add', 'status-again', '--effect', 'public', '--paths', '/status', '--methods', 'GET',
      ]); // prettier-ignore
      expect(hidden.code).toBe(0);
      expect(hidden.stdout).toContain(
        'warning: status-again never decides: public-status, before it, matches every request it does',
      );

      const listed = await cli(['rules', 'list']);
      expect(listed.code).toBe(0);
      const rows = listed.stdout.split('\n');
      expect(rows[0]).toMatch(/^#\s+NAME\s+EFFECT\s+HOSTS\s+PATHS\s+METHODS\s+REQUIRE$/);
      expect(rows[1]).toMatch(
        /^1\s+ops-admin\s+authenticated\s+api\.example\.com\s+\/admin\/\*\*\s+-\s+ipRanges=10\.0\.0\.0\/8 anyGroups=rules-ops,rules-dev scopes=orders:write claim:dept=ops claim:roles~admin$/,
      );
      expect(listed.stdout).toMatch(
        /^\d+\s+public-status\s+public\s+-\s+\/status\s+GET,HEAD\s+-$/m,
      );
      expect(listed.stdout).toContain('default: authenticated (what no rule matched)');
      expect(listed.stdout).toContain('warning: status-again never decides');
      expect(await names()).toEqual(['ops-admin', ...before, 'public-status', 'status-again']);

      // Edit: only the fields given; a rename and a place at once.
      const edited = await cli([
        'rules', 'edit', 'status-again', '--rename', 'health', '--paths', '/health',
        '--after', 'ops-admin',
      ]); // prettier-ignore
      expect({ code: edited.code, stderr: edited.stderr }).toEqual({ code: 0, stderr: '' });
      expect(edited.stdout).toMatch(/^rule:\s+health$/m);
      expect(edited.stdout).toMatch(/^position:\s+2$/m);
      expect(edited.stdout).toMatch(/^methods:\s+GET$/m);
      expect(edited.stdout).not.toContain('warning:');
      const requirement = json<{ rule: { require: unknown[] } }>(
        await cli(['rules', 'edit', 'ops-admin', '--any-groups', 'rules-ops', '--json']),
      );
      expect(requirement.rule.require).toEqual([{ anyGroups: ['rules-ops'] }]);

      const moved = await cli(['rules', 'move', 'public-status', '--before', 'ops-admin']);
      expect(moved.code).toBe(0);
      expect(moved.stdout).toContain('Moved rule public-status to position 1.');
      expect(await names()).toEqual(['public-status', 'ops-admin', 'health', ...before]);

      const deleted = await cli(['rules', 'delete', 'public-status']);
      expect({ code: deleted.code, stdout: deleted.stdout }).toEqual({
        code: 0,
        stdout: 'Deleted rule public-status.\n',
      });
      expect((await cli(['decide', 'GET', '/status'])).code).toBe(4);
      expect(json(await cli(['rules', 'delete', 'health', '--json']))).toEqual({
        deleted: 'health',
      });
      expect(await names()).toEqual(['ops-admin', ...before]);
    });

    it('refuses bad rule commands: usage (2) or the server (3), each with a reason', async () => {
      for (const args of [
        ['rules', 'add', 'x'],
        ['rules', 'add', 'x', '--effect', 'deny', '--before', 'a', '--after', 'b'],
        ['rules', 'move', 'ops-admin'],
        ['rules', 'edit', 'ops-admin'],
        ['rules', 'edit', 'ops-admin', '--no-require', '--scopes', 'a'],
        ['rules', 'add', 'x', '--effect', 'deny', '--claim', 'no-test'],
        ['rules', 'lint'],
      ]) {
        const result = await cli(args);
        expect({ args, code: result.code }).toEqual({ args, code: 2 });
        expect(result.stderr).toContain('Usage: portcullis rules');
      }
      const unknownGroup = await cli([
        'rules',
        'add',
        'x',
        '--effect',
        'public',
        '--any-groups',
        'ghosts',
      ]);
      expect(unknownGroup.code).toBe(3);
      expect(unknownGroup.stderr).toMatch(
        /^ {2}\/require\/0\/anyGroups\/0: no group is named "ghosts"$/m,
      );
      const missing = await cli(['rules', 'delete', 'nobody']);
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('No rule named nobody');
      const taken = await cli(['rules', 'add', 'ops-admin', '--effect', 'deny']);
      expect(taken.code).toBe(3);
      expect(taken.stderr).toContain('A rule named ops-admin exists');
    });

    it('puts rules in named rule sets, lists one, decides by one, and exports and applies them', async () => {
      const added = await cli([
        'rules', 'add', 'set-orders', '--effect', 'public', '--paths', '/set-orders/**',
        '--rule-set', 'orders-api',
      ]); // prettier-ignore
      expect({ code: added.code, stderr: added.stderr }).toEqual({ code: 0, stderr: '' });
      expect(added.stdout).toMatch(/^ruleSet:\s+orders-api$/m);
      try {
        const listed = await cli(['rules', 'list', '--rule-set', 'orders-api']);
        expect(listed.stdout.split('\n').slice(0, 2)).toEqual([
          expect.stringMatching(/^#\s+SET\s+NAME\s+EFFECT/),
          expect.stringMatching(/^\d+\s+orders-api\s+set-orders\s+public\s+-\s+\/set-orders\/\*\*/),
        ]);
        const global = json<{ rules: { name: string }[] }>(
          await cli(['rules', 'list', '--rule-set', 'none', '--json']),
        );
        expect(global.rules.map((r) => r.name)).not.toContain('set-orders');

        const inSet = await cli(['decide', 'GET', '/set-orders/7', '--rule-set', 'orders-api']);
        expect({ code: inSet.code, stdout: inSet.stdout }).toEqual({
          code: 0,
          stdout: expect.stringContaining('allowed (200) anonymous\n  rule set-orders\n'),
        });
        expect((await cli(['decide', 'GET', '/set-orders/7'])).code).toBe(4);
        const unknown = await cli(['decide', 'GET', '/set-orders/7', '--rule-set', 'nope']);
        expect({ code: unknown.code, stdout: unknown.stdout }).toEqual({
          code: 4,
          stdout: 'denied (403) unknown_rule_set\n',
        });

        const exported = await cli(['export']);
        expect(exported.stdout).toMatch(/- name: set-orders\n(\s+.*\n)*?\s+ruleSet: orders-api\n/);
        const dir = mkdtempSync(join(tmpdir(), 'portcullis-sets-'));
        try {
          const file = join(dir, 'config.yaml');
          writeFileSync(file, exported.stdout);
          const again = await cli(['apply', '-f', file]);
          expect({ code: again.code, stdout: again.stdout }).toEqual({
            code: 0,
            stdout: expect.stringContaining('No changes'),
          });
          writeFileSync(
            file,
            exported.stdout.replace('ruleSet: orders-api', 'ruleSet: partners-api'),
          );
          const plan = await cli(['apply', '-f', file]);
          expect(plan.stdout).toContain(
            '~ rule set-orders\n      ruleSet: "orders-api" -> "partners-api"',
          );
          expect((await cli(['apply', '-f', file, '--yes'])).code).toBe(0);
          const decided = await cli([
            'decide',
            'GET',
            '/set-orders/7',
            '--rule-set',
            'partners-api',
          ]);
          expect(decided.code).toBe(0);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      } finally {
        await cli(['rules', 'delete', 'set-orders']);
      }
    });

    it('lints a file without applying it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'portcullis-lint-'));
      try {
        const before = await names();
        const file = join(dir, 'rules.yaml');
        writeFileSync(
          file,
          [
            'version: 1',
            'rules:',
            '  - {name: everything, effect: authenticated}',
            '  - {name: docs, effect: public, match: {paths: [/docs/**], methods: [FETCH]}}',
            '',
          ].join('\n'),
        );
        const linted = await cli(['rules', 'lint', file]);
        expect({ code: linted.code, stderr: linted.stderr }).toEqual({ code: 0, stderr: '' });
        expect(linted.stdout).toBe(
          'warning: docs: no client sends the method FETCH\n' +
            'warning: docs never decides: everything, before it, matches every request it does\n',
        );
        expect(json(await cli(['rules', 'lint', file, '--json'])).warnings).toHaveLength(2);
        expect(await names()).toEqual(before);

        const old = join(dir, 'old.yaml');
        writeFileSync(
          old,
          'version: 1\npathRules: [{pattern: /a, access: public}]\naccessRules: []\n',
        );
        expect((await cli(['rules', 'lint', old])).stdout).toBe('No warnings (1 rules).\n');

        const bad = join(dir, 'bad.yaml');
        writeFileSync(bad, 'version: 1\nrules:\n  - {name: x, effect: allow}\n');
        const invalid = await cli(['rules', 'lint', bad]);
        expect(invalid.code).toBe(2);
        expect(invalid.stderr).toContain(`${bad}:3:23: /rules/0/effect must be one of`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
