import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const GROUP_AND_OTHERS = 0o077;

/**
 * Makes `dir` (created if missing) and everything in it readable by its owner only: directories
 * 0700, files 0600; symbolic links are left alone, never followed. The embedded database holds
 * e-mail addresses, key ids and audit rows (its WAL too), and PGlite writes its files 0666 whatever
 * the umask, so the directory's own 0700 is what keeps other local users out; the files are
 * tightened as well, in case the directory is ever opened up. Returns how many entries were open
 * to others before, so that a directory left open by an earlier version can be reported.
 */
export function restrictToOwner(dir: string): number {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return restrict(dir, true);
}

function restrict(path: string, isDirectory: boolean): number {
  const mode = lstatSync(path).mode & 0o777;
  let loosened = 0;
  if ((mode & GROUP_AND_OTHERS) !== 0) {
    chmodSync(path, mode & ~GROUP_AND_OTHERS);
    loosened++;
  }
  if (!isDirectory) return loosened;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    loosened += restrict(join(path, entry.name), entry.isDirectory());
  }
  return loosened;
}
