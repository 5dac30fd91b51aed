// Runs once after the suite: no line that any test's service logged may hold a key or the server
// secret, and the run's template database is dropped.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const KEY_SHAPE = /pcl_[0-9A-Za-z]{44}/;

export default async function globalTeardown() {
  const dir = join(process.cwd(), '.test-output', 'logs');
  const secret = process.env.PORTCULLIS_TEST_SECRET;
  const leaks = [];
  let lines = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        lines++;
        if (KEY_SHAPE.test(line) || (secret && line.includes(secret))) {
          leaks.push(`${file}:${index + 1}: ${line.slice(0, 300)}`);
        }
      });
  }
  if (process.env.TEST_DATABASE_URL) {
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    await client.query(
      `DROP DATABASE IF EXISTS portcullis_tpl_${process.env.PORTCULLIS_TEST_RUN} WITH (FORCE)`,
    );
    await client.end();
  }
  if (leaks.length > 0) {
    throw new Error(
      `Secrets reached the service logs (${leaks.length} lines):\n${leaks.join('\n')}`,
    );
  }
  console.log(`Log scan: ${lines} captured log lines hold no key and no server secret.`);
}
