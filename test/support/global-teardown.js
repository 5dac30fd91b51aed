// Runs once after the suite: no line that any test's service logged, and no error body the suite
// received, may hold a key, a token, a client secret or password the tests used, or the server
// secret; and the run's template database is dropped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const KEY_SHAPE = /pcl_[0-9A-Za-z]{44}/;
/** Runs of the characters secrets are made of: each is looked up among the suite's secrets. */
const TOKEN_RUN = /[A-Za-z0-9_\-.~+/]{12,}/g;
const OUTPUT = join(process.cwd(), '.test-output');

export default async function globalTeardown() {
  const serverSecret = process.env.PORTCULLIS_TEST_SECRET;
  const secrets = new Set(linesOf('secrets'));
  const leaks = [];
  let scanned = 0;
  const scan = (source, line) => {
    scanned++;
    const held = [...line.matchAll(TOKEN_RUN)].some(([run]) => secrets.has(run));
    if (held || KEY_SHAPE.test(line) || (serverSecret && line.includes(serverSecret))) {
      leaks.push(`${source}: ${line.slice(0, 300)}`);
    }
  };
  for (const file of filesOf('logs')) {
    readFileSync(join(OUTPUT, 'logs', file), 'utf8')
      .split('\n')
      .forEach((line, index) => scan(`${file}:${index + 1}`, line));
  }
  for (const line of linesOf('error-bodies')) {
    // The request line is the test's own (it may carry a key on purpose): only the body counts.
    const { method, path, status, body } = JSON.parse(line);
    scan(`error body of ${method} ${path.split('?')[0]} (${status})`, body);
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
      `Secrets reached logs or error bodies (${leaks.length} lines):\n${leaks.join('\n')}`,
    );
  }
  console.log(
    `Secret scan: ${scanned} log lines and error bodies hold none of the ${secrets.size} keys, tokens and secrets the tests used, no key and not the server secret.`,
  );
}

function filesOf(folder) {
  const dir = join(OUTPUT, folder);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.log')) : [];
}

function linesOf(folder) {
  return filesOf(folder).flatMap((file) =>
    readFileSync(join(OUTPUT, folder, file), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
}
