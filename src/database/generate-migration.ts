// Writes a migration for whatever the entities declare that the migrations do not yet create.
// Usage: npm run migration:generate -- <Name>   (against DATABASE_URL, or an in-memory database)
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { EmbeddedDatabase } from './embedded-database.js';
import { dataSourceOptions } from './data-source-options.js';
import { schemaDrift } from './schema-drift.js';

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
    console.error('Usage: npm run migration:generate -- <PascalCaseName>');
    process.exit(2);
  }
  const databaseUrl = process.env.DATABASE_URL;
  const embedded = databaseUrl ? undefined : await EmbeddedDatabase.open('memory://');
  const dataSource = new DataSource(
    dataSourceOptions({ databaseUrl, databasePoolSize: 1 }, embedded),
  );
  await dataSource.initialize();
  await dataSource.runMigrations();
  const drift = await schemaDrift(dataSource);
  await dataSource.destroy();
  await embedded?.close();
  if (drift.up.length === 0) {
    console.log('Entities and migrations agree: nothing to generate.');
    return;
  }
  const timestamp = Date.now();
  const file = `src/database/migrations/${timestamp}-${name}.ts`;
  const lines = (queries: string[]) =>
    queries.map((q) => `    await queryRunner.query(${JSON.stringify(q)});`).join('\n');
  writeFileSync(
    file,
    `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${timestamp} implements MigrationInterface {
  name = '${name}${timestamp}';

  async up(queryRunner: QueryRunner): Promise<void> {
${lines(drift.up)}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${lines(drift.down)}
  }
}
`,
  );
  console.log(`Wrote ${file}; add it to MIGRATIONS in src/database/schema.ts.`);
}

await main();
