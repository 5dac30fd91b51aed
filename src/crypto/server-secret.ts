import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config.js';

export interface ResolvedSecret {
  value: string;
  source: 'environment' | 'generated' | 'data-dir';
}

/**
 * The server secret: PORTCULLIS_SECRET when set; otherwise (embedded default only, which config
 * validation guarantees) one generated on first start and kept in <DATA_DIR>/secret, readable by the
 * owner alone. Losing it makes every stored key unusable, so it is never regenerated.
 */
export function resolveServerSecret(config: Pick<AppConfig, 'secret' | 'dataDir'>): ResolvedSecret {
  if (config.secret !== undefined) return { value: config.secret, source: 'environment' };
  const path = join(config.dataDir, 'secret');
  try {
    return { value: readFileSync(path, 'utf8').trim(), source: 'data-dir' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const value = randomBytes(48).toString('base64url');
  writeFileSync(path, value + '\n', { mode: 0o600, flag: 'wx' });
  return { value, source: 'generated' };
}
