import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm run cli` builds first only when a source is newer than the build (scripts/build-if-stale.js),
// and then only the TypeScript, never the console's files a running service serves.
const SCRIPT = join(process.cwd(), 'scripts', 'build-if-stale.js');

describe('npm run cli, from a built checkout', () => {
  it('answers without building, and leaves the console build alone', () => {
    const consoleIndex = join(process.cwd(), 'dist', 'console-assets', 'index.html');
    const consoleBuiltAt = existsSync(consoleIndex) ? statSync(consoleIndex).mtimeMs : undefined;
    const started = Date.now();
    const result = spawnSync('npm', ['run', '--silent', 'cli', '--', '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() },
    });
    const elapsed = Date.now() - started;
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: portcullis <command>/);
    expect(result.stderr).not.toMatch(/build/i);
    if (consoleBuiltAt !== undefined) expect(statSync(consoleIndex).mtimeMs).toBe(consoleBuiltAt);
    // Seconds of headroom for a loaded machine; a rebuild takes 20 s and more.
    expect(elapsed).toBeLessThan(10_000);
  });
});

describe('scripts/build-if-stale.js', () => {
  let root: string;
  const tscRuns = () => join(root, 'tsc-runs');

  /** A checkout in miniature, whose "tsc" notes that it ran and writes the build. */
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'portcullis-stale-'));
    mkdirSync(join(root, 'scripts'));
    cpSync(SCRIPT, join(root, 'scripts', 'build-if-stale.js'));
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    writeFileSync(join(root, 'src', 'cli', 'main.ts'), '');
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }');
    for (const file of ['tsconfig.json', 'tsconfig.build.json'])
      writeFileSync(join(root, file), '{}');
    mkdirSync(join(root, 'node_modules', 'typescript', 'bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'typescript', 'package.json'), '{}');
    writeFileSync(
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      `const fs = require('node:fs');
       fs.appendFileSync(${JSON.stringify(join(root, 'tsc-runs'))}, process.argv.slice(2).join(' ') + '\\n');
       fs.mkdirSync(${JSON.stringify(join(root, 'dist', 'cli'))}, { recursive: true });
       fs.writeFileSync(${JSON.stringify(join(root, 'dist', 'cli', 'main.js'))}, '');`,
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const check = () =>
    spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.js')], {
      encoding: 'utf8',
    });
  const runs = () =>
    existsSync(tscRuns()) ? readFileSync(tscRuns(), 'utf8').trim().split('\n') : [];

  it('builds a checkout that has no build, then not again until a source changes', () => {
    const first = check();
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('Building the CLI (once)');
    expect(runs()).toEqual([`-p ${join(root, 'tsconfig.build.json')}`]);

    // Make the build clearly newer than every source, whatever the file system's resolution.
    const past = new Date(Date.now() - 60_000);
    for (const path of [
      'src/cli/main.ts',
      'src/cli',
      'src',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      utimesSync(join(root, path), past, past);
    }
    expect(check()).toMatchObject({ status: 0, stderr: '' });
    expect(runs()).toHaveLength(1);

    const future = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'src', 'cli', 'main.ts'), future, future);
    const changed = check();
    expect(changed.stderr).toContain('Sources changed: rebuilding the CLI');
    expect(runs()).toHaveLength(2);
  });

  it("stops with the compiler's exit code when the build fails", () => {
    writeFileSync(join(root, 'node_modules', 'typescript', 'bin', 'tsc'), 'process.exit(2);');
    expect(check().status).toBe(2);
  });
});
