import { jest } from '@jest/globals';
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

      const denied = await cli(['decide', 'GET', '/orders', '--credential', key!]);
      expect(denied.code).toBe(4);
      expect(denied.stdout).toMatch(/^denied \(401\) revoked_key/);
    });

    it('exits 4 for a denied decision and prints the reason; --json parses', async () => {
      const anonymous = await cli(['decide', 'GET', '/orders']);
      expect(anonymous.code).toBe(4);
      expect(anonymous.stdout).toMatch(/^denied \(401\) missing_credential/);

      await client(service.url, service.adminKey).post('/v1/admin/access-rules', {
        body: { host: 'office.example.com', allowedIps: ['203.0.113.0/24'] },
      });
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
});
