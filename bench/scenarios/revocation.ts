// Revocation: how long after a key is revoked on instance A does instance B refuse it? Two
// instances share PostgreSQL and Redis; the key is cached in both in-process tiers first.
import { adminApi, createKey, percentile, startPortcullis, stop } from '../harness.js';

export interface RevocationResult {
  trials: number;
  /** From sending the revocation to A until B's first refusal, ms. */
  lagsMs: number[];
}

export async function revocationScenario(options: {
  base: Record<string, string>;
  adminKey: string;
  trials: number;
}): Promise<RevocationResult> {
  const a = await startPortcullis(options.base);
  const b = await startPortcullis(options.base);
  const decide = async (url: string, key: string) =>
    (
      await fetch(`${url}/v1/authz/nginx`, {
        headers: { authorization: `Bearer ${key}`, 'x-original-uri': '/orders' },
      })
    ).status;
  const lagsMs: number[] = [];
  try {
    for (let trial = 0; trial < options.trials; trial++) {
      const key = await createKey(a.url, options.adminKey, 'revocation-user');
      if ((await decide(a.url, key.key)) !== 200 || (await decide(b.url, key.key)) !== 200) {
        throw new Error('a fresh key was refused');
      }
      const started = performance.now();
      const revoked = adminApi(a.url, options.adminKey)('POST', `/v1/admin/keys/${key.id}/revoke`);
      while ((await decide(b.url, key.key)) !== 401) {
        if (performance.now() - started > 5000) throw new Error('B still accepts a revoked key');
      }
      lagsMs.push(performance.now() - started);
      await revoked;
    }
  } finally {
    await Promise.all([stop(a.child), stop(b.child)]);
  }
  console.log(
    `  revocation A -> B over ${lagsMs.length} trials: p50 ${percentile(lagsMs, 0.5).toFixed(1)} ms, ` +
      `p99 ${percentile(lagsMs, 0.99).toFixed(1)} ms`,
  );
  return { trials: lagsMs.length, lagsMs };
}
