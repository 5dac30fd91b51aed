import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { EmbeddedDatabase } from '../../src/database/embedded-database.js';
import { schemaDrift } from '../../src/database/schema-drift.js';
import { MIGRATIONS } from '../../src/database/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

// The migrations must create exactly what the entities declare: generating a new migration
// yields nothing. Runs on the embedded database, and on PostgreSQL when TEST_DATABASE_URL is set.
describe('Database schema', () => {
  let database: TestDatabase;
  let embedded: EmbeddedDatabase | undefined;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    embedded = database.url ? undefined : await EmbeddedDatabase.open('memory://');
    dataSource = new DataSource(
      dataSourceOptions({ databaseUrl: database.url, databasePoolSize: 2 }, embedded),
    );
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
  });

  afterAll(async () => {
    await dataSource.destroy();
    await embedded?.close();
    await database.drop();
  });

  it('has every migration applied', async () => {
    const rows: { name: string }[] = await dataSource.query(
      'SELECT name FROM migrations ORDER BY id',
    );
    expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => new m().name));
  });

  it('agrees with the entities: generating a migration would produce nothing', async () => {
    const drift = await schemaDrift(dataSource);
    expect(drift.up).toEqual([]);
  });

  it('keeps usernames, emails and group names unique regardless of case', async () => {
    await dataSource.query(`INSERT INTO users (id, username) VALUES (gen_random_uuid(), 'Dana')`);
    await expect(
      dataSource.query(`INSERT INTO users (id, username) VALUES (gen_random_uuid(), 'dANA')`),
    ).rejects.toThrow(/users_username_lower_key/);
    await dataSource.query(`INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Ops')`);
    await expect(
      dataSource.query(`INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'OPS')`),
    ).rejects.toThrow(/groups_name_lower_key/);
  });

  it('migrates down and up again cleanly', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++)
      await dataSource.undoLastMigration({ transaction: 'all' });
    const tables: unknown[] = await dataSource.query(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'api_keys'`,
    );
    expect(tables).toHaveLength(0);
    await dataSource.runMigrations({ transaction: 'all' });
    expect((await schemaDrift(dataSource)).up).toEqual([]);
  });
});
