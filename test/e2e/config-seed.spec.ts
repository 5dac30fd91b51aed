import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { TEST_SECRET } from '../support/test-app.js';
import {
  newInstall,
  ServiceExitedError,
  startServiceProcess,
  type Install,
} from '../support/service-process.js';

const TEST_MS = 180_000;

const SEED = `version: 1
settings:
  allowSelfServiceKeys: true
groups:
  - name: developers
rules:
  - name: status
    match: {paths: [/status]}
    effect: public
defaultRule:
  effect: authenticated
  require:
    - anyGroups: [developers, portcullis-admins]
`;

const databases: TestDatabase[] = [];

/**
 * The first start of a compose or Kubernetes deployment: bootstrap admin and configuration, on
 * a fresh PostgreSQL database when the suite runs on one, else the embedded database.
 */
async function seededInstall(file: string): Promise<{ install: Install; key: string }> {
  const key = (await runCli(['generate-key'])).stdout.trim();
  const database = await createTestDatabase();
  databases.push(database);
  const install = newInstall({
    PORTCULLIS_BOOTSTRAP_ADMIN: 'root',
    PORTCULLIS_BOOTSTRAP_ADMIN_KEY: key,
    ...(database.url && { DATABASE_URL: database.url, PORTCULLIS_SECRET: TEST_SECRET }),
  });
  const path = join(install.dataDir, 'portcullis.yaml');
  writeFileSync(path, file);
  install.env.PORTCULLIS_CONFIG = path;
  return { install, key };
}

describe('PORTCULLIS_CONFIG', () => {
  const installs: Install[] = [];
  afterAll(async () => {
    installs.forEach((install) => install.remove());
    await Promise.all(databases.map((database) => database.drop()));
  });

  it(
    'seeds an empty database through the admin API, audited, and is ignored once it is configured',
    async () => {
      const { install, key } = await seededInstall(SEED);
      installs.push(install);
      const first = await startServiceProcess(install);
      try {
        const get = (path: string) => call(first.url, 'GET', path, { auth: key });
        const rules = (await get('/v1/admin/rules')).body;
        expect(rules.rules).toEqual([
          expect.objectContaining({
            name: 'status',
            match: { hosts: [], paths: ['/status'], methods: [] },
            effect: 'public',
          }),
        ]);
        expect(rules.defaultRule).toEqual({
          effect: 'authenticated',
          require: [{ anyGroups: ['developers', 'portcullis-admins'] }],
        });
        expect((await get('/v1/admin/settings')).body.allowSelfServiceKeys).toBe(true);
        const audit = (await get('/v1/admin/audit')).body.items as {
          action: string;
          actorUsername: string;
        }[];
        expect(audit.map((e) => e.action).sort()).toEqual([
          'admin.bootstrap',
          'group.create',
          'rules.replace',
          'settings.update',
        ]);
        expect(
          audit.filter((e) => e.action !== 'admin.bootstrap').map((e) => e.actorUsername),
        ).toEqual(Array(3).fill('root'));
      } finally {
        await first.stop();
      }

      // Later starts with another file: the database is configured, so the file is ignored,
      // even an invalid one, and even once the bootstrap key has been revoked.
      writeFileSync(install.env.PORTCULLIS_CONFIG, `${SEED}    - ipRanges: [192.0.2.1]\n`);
      const second = await startServiceProcess(install);
      try {
        const rules = await call(second.url, 'GET', '/v1/admin/rules', { auth: key });
        expect(rules.body.defaultRule.require).toHaveLength(1);
        const keys = await call(second.url, 'GET', '/v1/admin/keys', { auth: key });
        // The last admin's last key cannot be revoked (409): root gets another one first.
        const spare = await call(second.url, 'POST', '/v1/admin/keys', {
          auth: key,
          body: { username: 'root', name: 'spare', type: 'bearer', expiresIn: '1 day' },
        });
        expect(spare.status).toBe(201);
        const revoke = await call(
          second.url,
          'POST',
          `/v1/admin/keys/${keys.body.items[0].id}/revoke`,
          {
            auth: key,
          },
        );
        expect(revoke.status).toBe(200);
      } finally {
        await second.stop();
      }
      writeFileSync(install.env.PORTCULLIS_CONFIG, 'version: 1\ngroups: not-a-list\n');
      const third = await startServiceProcess(install);
      await third.stop();
      const log = readFileSync(install.logFile, 'utf8');
      expect(log).toContain('Applied PORTCULLIS_CONFIG to the empty database');
      expect(
        log.match(/PORTCULLIS_CONFIG is ignored: the database is already configured/g),
      ).toHaveLength(2);
      expect(log).not.toContain(key);
    },
    TEST_MS,
  );

  it(
    'stops the start on an invalid file, naming the line and column',
    async () => {
      const { install } = await seededInstall(
        'version: 1\nrules:\n  - name: x\n    effect: open\n',
      );
      installs.push(install);
      const failure = await startServiceProcess(install).then(
        async (service) => {
          await service.stop();
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ServiceExitedError);
      expect((failure as ServiceExitedError).code).toBe(1);
      expect(readFileSync(install.logFile, 'utf8')).toContain(
        `${install.env.PORTCULLIS_CONFIG}:4:13: /rules/0/effect must be one of public, bypass, deny, authenticated`,
      );
    },
    TEST_MS,
  );

  it('needs the bootstrap admin to apply the file as', async () => {
    const install = newInstall({ PORTCULLIS_CONFIG: '/nonexistent.yaml' });
    installs.push(install);
    const failure = (await startServiceProcess(install).catch(
      (e: unknown) => e,
    )) as ServiceExitedError;
    expect(failure.code).toBe(1);
    expect(failure.output).toContain('PORTCULLIS_CONFIG: needs PORTCULLIS_BOOTSTRAP_ADMIN');
  });
});
