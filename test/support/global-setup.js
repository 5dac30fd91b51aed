// Runs once before the suite (as plain JavaScript: Jest loads it outside its ESM module mapping).
// Names this run, gives its services a random server secret, and clears the captured logs, secrets,
// error bodies and the list of service logs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export default function globalSetup() {
  process.env.PORTCULLIS_TEST_RUN = randomBytes(4).toString('hex');
  process.env.PORTCULLIS_TEST_SECRET = `test-secret-${randomBytes(24).toString('base64url')}`;
  for (const folder of ['logs', 'secrets', 'error-bodies', 'services']) {
    const dir = join(process.cwd(), '.test-output', folder);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
}
