import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

// The README names one supported Node version, package.json's engines floor, and CI runs on it.
// Every installed package must accept that floor: otherwise `npm ci` warns a newcomer
// (EBADENGINE) of a package that may not run there.
const ROOT = join(import.meta.dirname, '..', '..');
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as unknown;

describe('the supported Node version', () => {
  const manifest = read('package.json') as { engines: { node: string } };
  const floor = semver.minVersion(manifest.engines.node)!;

  it('is accepted by every package the lock file installs', () => {
    const lock = read('package-lock.json') as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .map(([path, entry]) => [
        path,
        Array.isArray(entry.engines) ? undefined : entry.engines?.node,
      ])
      .filter(([, range]) => range !== undefined && !semver.satisfies(floor, range))
      .map(([path, range]) => `${path} wants node ${range}`);
    expect(refusing).toEqual([]);
  });

  // CI (CI=true, as .ci/run sets) must test the floor itself; a newer Node elsewhere is fine.
  (process.env.CI === 'true' ? it : it.skip)('is the one CI runs', () => {
    expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true);
    expect(semver.major(process.version)).toBe(floor.major);
  });
});
