#!/usr/bin/env node
// `npm run cli` runs this first: it compiles the service and CLI (tsc, without the console) only
// when a source is newer than the build, so a built checkout answers at once and a running
// service's console files are never rewritten under it. `npm run build` still builds everything.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');

/** The newest modification time under a path (a file, or a directory walked recursively). */
function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const builtAt = statSync(built, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sources = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const sourcesAt = Math.max(...sources.map((source) => newest(join(root, source))));
if (sourcesAt > builtAt) {
  console.error(
    builtAt === 0 ? 'Building the CLI (once)...' : 'Sources changed: rebuilding the CLI...',
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
