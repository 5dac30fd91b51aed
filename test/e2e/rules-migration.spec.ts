import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { EmbeddedDatabase } from '../../src/database/embedded-database.js';
import { Quotas1795900000001 } from '../../src/database/migrations/1795900000001-Quotas.js';
import { MIGRATIONS } from '../../src/database/schema.js';
import { breakChecksum, createGroup, createKey, createUser } from '../support/decisions.js';
import { databaseUrl, TEST_DATABASE_URL, withAdminClient } from '../support/databases.js';
import { client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The move from path rules and access rules to ordered rules must not change one decision. The
 * answers in test/fixtures/legacy-rule-decisions.json were recorded from the service as it was
 * before the move (RECORD_LEGACY_DECISIONS=1 at commit d99cbec: every migration then was the old
 * schema). This spec builds a database in that old schema, seeds the same rules into the old
 * tables, starts today's service on it (which migrates them), and decides the same requests.
 */
const FIXTURE = join(import.meta.dirname, '../fixtures/legacy-rule-decisions.json');
const RECORD = process.env.RECORD_LEGACY_DECISIONS === '1';
const OLD_SCHEMA = MIGRATIONS.slice(0, MIGRATIONS.indexOf(Quotas1795900000001) + 1);

type Caller = 'anonymous' | 'alice' | 'rita' | 'oscar' | 'nora' | 'paul' | 'kip' | 'broken';
interface Row {
  method: string;
  path: string;
  host: string;
  ip: string;
  as: Caller;
}
interface Answer {
  status: number;
  allowed: boolean;
  reason: string;
}

// The old rules, as rows of the old tables.
// prettier-ignore
const PATH_RULES: [access: string, pattern: string, methods: string[], host: string | null][] = [
  ['public', '/public/**', [], null],
  ['public', '/docs/**', [], null],
  ['restricted', '/docs/internal/**', [], null],
  ['bypass', '/legacy/**', [], null],
  ['bypass', '/hooks/*', ['POST'], null],
  ['public', '/both/**', [], null],
  ['restricted', '/both/**', [], null],
  ['bypass', '/both/**', [], null],
  ['public', '/catalog/**', [], '*.shop.example'],
  ['public', '/status', ['GET', 'HEAD'], 'api.example.com'],
  ['restricted', '/public/secret/**', ['DELETE', 'POST'], null],
];
// prettier-ignore
const ACCESS_RULES: [host: string | null, ips: string[], allowed: string[], readOnly: string[], full: string[]][] = [
  [null, [], ['API-Users', 'ops', 'partners'], ['auditors'], ['ops']],
  ['internal.example', ['10.0.0.0/8'], [], [], []],
  ['*.partner.example', [], ['partners'], [], []],
  ['admin.example.com', [], ['ops'], [], []],
  ['*.example.com', ['10.0.0.0/8', '203.0.113.0/24'], [], [], []],
];

const USERS: [Caller, string[]][] = [
  ['alice', ['api-users']],
  ['rita', ['api-users', 'auditors']],
  ['oscar', ['auditors', 'ops']],
  ['nora', []],
  ['paul', ['partners']],
  ['kip', ['api-users']],
];

/** 320 requests: every path with every caller, reading and writing, on varied hosts and addresses. */
function requestTable(): Row[] {
  const paths = [
    '/',
    '/api/orders',
    '/public/x',
    '/public/secret/plan',
    '/docs/guide',
    '/docs/internal/plan',
    '/DOCS/INTERNAL/plan',
    '/docs/internal./plan',
    '/legacy/x',
    '/hooks/github',
    '/both/x',
    '/catalog/1',
    '/status',
    '/public/../api',
    '/public/%2e%2e/api',
    '/public/x#/../../api',
    '/docs/%ff',
    '/public//x',
    '/hooks/github/x',
    '/admin/users',
  ];
  const callers: Caller[] = [
    'anonymous',
    'alice',
    'rita',
    'oscar',
    'nora',
    'paul',
    'kip',
    'broken',
  ];
  const hosts = [
    'api.example.com',
    'internal.example',
    'eu.shop.example',
    'x.partner.example',
    'admin.example.com',
    'other.org',
    'API.EXAMPLE.COM:8443',
    'b.example.com',
  ];
  const ips = ['10.1.2.3', '10.9.9.9', '10.0.0.1', '203.0.113.9', '192.0.2.7', '198.51.100.1'];
  // A fixed pseudo-random sequence (an LCG), so that methods, hosts and addresses vary
  // independently of each other and of the caller, and the table is the same every run.
  let seed = 20261202;
  const pick = <T>(list: readonly T[]): T => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return list[Math.floor(seed / 65536) % list.length]!;
  };
  const rows: Row[] = [];
  for (const path of paths) {
    for (const as of callers) {
      for (const method of [pick(['GET', 'HEAD']), pick(['POST', 'DELETE'])]) {
        rows.push({ method, path, host: pick(hosts), ip: pick(ips), as });
      }
    }
  }
  return rows;
}

/** A database in the old schema, holding the old rules; returns how to point a service at it. */
async function oldDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const seed = async (dataSource: DataSource) => {
    await dataSource.runMigrations({ transaction: 'all' });
    for (const [access, pattern, methods, host] of PATH_RULES) {
      await dataSource.query(
        'INSERT INTO path_rules (id, access, pattern, methods, host) VALUES ($1, $2, $3, $4, $5)',
        [randomUUID(), access, pattern, methods, host],
      );
    }
    for (const [host, ips, allowed, readOnly, full] of ACCESS_RULES) {
      await dataSource.query(
        'INSERT INTO access_rules (id, host, allowed_ips, allowed_groups, read_only_groups, ' +
          'full_access_groups) VALUES ($1, $2, $3, $4, $5, $6)',
        [randomUUID(), host, ips, allowed, readOnly, full],
      );
    }
    await dataSource.destroy();
  };
  const options = { databaseUrl: undefined, databasePoolSize: 1 };
  if (TEST_DATABASE_URL) {
    const name = `portcullis_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await withAdminClient((admin) => admin.query(`CREATE DATABASE ${name}`));
    const url = databaseUrl(name);
    await seed(
      await new DataSource({
        ...dataSourceOptions({ ...options, databaseUrl: url }, undefined),
        migrations: OLD_SCHEMA,
      } as never).initialize(),
    );
    return {
      env: { DATABASE_URL: url },
      drop: async () => {
        await withAdminClient((admin) =>
          admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
        );
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-rules-migration-'));
  const embedded = await EmbeddedDatabase.open(join(dir, 'data'));
  await seed(
    await new DataSource({
      ...dataSourceOptions(options, embedded),
      migrations: OLD_SCHEMA,
    } as never).initialize(),
  );
  await embedded.close();
  return {
    env: { DATA_DIR: join(dir, 'data') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('Migrating path and access rules to ordered rules', () => {
  let service: TestApp;
  let database: Awaited<ReturnType<typeof oldDatabase>>;
  const credentials: Partial<Record<Caller, string>> = {};

  beforeAll(async () => {
    database = await oldDatabase();
    service = await startTestApp({ env: database.env });
    const admin = client(service.url, service.adminKey);
    for (const group of ['api-users', 'auditors', 'ops', 'partners']) {
      await createGroup(admin, group);
    }
    for (const [username, groups] of USERS) {
      await createUser(admin, username, { groups });
    }
    for (const [username] of USERS.filter(([name]) => name !== 'kip')) {
      credentials[username] = (await createKey(admin, { username })).key;
    }
    const kip = await admin.post('/v1/admin/keys', {
      body: {
        username: 'kip',
        name: 'office only',
        type: 'bearer',
        expiresIn: 'never',
        allowedIps: ['192.0.2.0/24'],
      },
    });
    credentials.kip = kip.body.key as string;
    credentials.broken = breakChecksum(credentials.alice!);
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('decides 320 requests exactly as the old rules did', async () => {
    const admin = client(service.url, service.adminKey);
    const rows = requestTable();
    expect(rows.length).toBeGreaterThanOrEqual(200);
    const answers: Answer[] = [];
    for (const row of rows) {
      const reply = await admin.post('/v1/decisions', {
        body: {
          method: row.method,
          path: row.path,
          host: row.host,
          ip: row.ip,
          ...(row.as !== 'anonymous' && { credential: credentials[row.as] }),
        },
      });
      expect(reply.status).toBe(200);
      answers.push({
        status: reply.body.status as number,
        allowed: reply.body.allowed as boolean,
        reason: reply.body.reason as string,
      });
    }
    if (RECORD) {
      writeFileSync(
        FIXTURE,
        JSON.stringify(rows.map((row, i) => ({ ...row, ...answers[i] }))) + '\n',
      );
      return;
    }
    const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as (Row & Answer)[];
    expect(
      recorded.map(({ method, path, host, ip, as }) => ({ method, path, host, ip, as })),
    ).toEqual(rows);
    // Every reason the old rules gave shows up, so the table exercises all of them.
    expect(new Set(recorded.map((r) => r.reason))).toEqual(
      new Set([
        'anonymous',
        'authenticated',
        'bypass',
        'missing_credential',
        'malformed_credential',
        'ip_denied',
        'group_denied',
        'read_only',
      ]),
    );
    expect(rows.map((row, i) => ({ ...row, ...answers[i] }))).toEqual(recorded);
  });
});
