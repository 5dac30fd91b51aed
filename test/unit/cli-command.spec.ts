import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bootstrapAdminHint,
  cliCommand,
  detectInstallation,
} from '../../src/bootstrap/cli-command.js';

describe(detectInstallation.name, () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'portcullis-install-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is a checkout when the build sits beside its sources', () => {
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'package.json'), '{}');
    expect(detectInstallation({}, join(root, 'dist'))).toBe('checkout');
  });

  it('is a package under node_modules, sources or not', () => {
    const installed = join(root, 'node_modules', 'portcullis');
    mkdirSync(join(installed, 'src'), { recursive: true });
    writeFileSync(join(installed, 'package.json'), '{}');
    expect(detectInstallation({}, join(installed, 'dist'))).toBe('package');
    expect(detectInstallation({}, join(root, 'dist'))).toBe('package');
  });

  it('is the container when the image says so', () => {
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'package.json'), '{}');
    expect(detectInstallation({ PORTCULLIS_INSTALLATION: 'container' }, join(root, 'dist'))).toBe(
      'container',
    );
  });
});

describe(bootstrapAdminHint.name, () => {
  const embedded = { databaseUrl: undefined, dataDir: './data' };
  const postgres = { databaseUrl: 'postgres://u:p@db/portcullis', dataDir: './data' };

  it('names the command of each installation', () => {
    expect(cliCommand('generate-key', 'checkout')).toBe('npm run cli -- generate-key');
    expect(cliCommand('generate-key', 'package')).toBe('portcullis generate-key');
    expect(cliCommand('generate-key', 'container')).toBe(
      'docker compose exec portcullis portcullis generate-key',
    );
  });

  it("names the service's database where the CLI would not find it by itself", () => {
    expect(bootstrapAdminHint(embedded, 'checkout')).toBe(
      'npm run cli -- bootstrap-admin --username admin',
    );
    expect(bootstrapAdminHint({ ...embedded, dataDir: '/srv/pc' }, 'package')).toBe(
      'DATA_DIR=/srv/pc portcullis bootstrap-admin --username admin',
    );
    const onPostgres = bootstrapAdminHint(postgres, 'checkout');
    expect(onPostgres).toContain("with this service's DATABASE_URL and PORTCULLIS_SECRET set");
    expect(onPostgres).not.toContain('u:p');
    // Inside the container the CLI has the service's environment already.
    expect(bootstrapAdminHint(postgres, 'container')).toBe(
      'docker compose exec portcullis portcullis bootstrap-admin --username admin',
    );
  });
});
