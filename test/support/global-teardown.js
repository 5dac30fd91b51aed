// Runs once after the suite: no line that any test's service logged, and no error body the suite
// received, may hold a key, a token, a client secret or password the tests used, or the server
// secret, in any shape (see secret-scan.js); a scan that read too little fails too; and the run's
// template database is dropped.
import { join } from 'node:path';
import pg from 'pg';
import { floorApplies, scanOutput } from './secret-scan.js';

const OUTPUT = join(process.cwd(), '.test-output');

export default async function globalTeardown(globalConfig) {
  const fullRun = floorApplies(globalConfig);
  const { scanned, secrets, services, leaks, problems } = scanOutput(OUTPUT, {
    serverSecret: process.env.PORTCULLIS_TEST_SECRET,
    fullRun,
  });

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
      `Secrets reached logs or error bodies (${leaks.length} lines):\n${leaks.join('\n')}`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`The secret scan cannot be trusted:\n${problems.join('\n')}`);
  }
  console.log(
    `Secret scan: ${scanned} log lines and error bodies (${services} service logs) hold none of the ${secrets} keys, tokens and secrets the tests used, in any encoding, no key and not the server secret${fullRun ? '' : ' (a partial run: no floor)'}.`,
  );
}
