// Quotas: what a key's quota costs a cached decision. The same nginx endpoint request, with a key
// whose quota is set too high ever to refuse (so every request takes from its bucket and batches
// reach Redis when configured), measured against a key without one, the runs alternating: the
// ratio is the quota's cost alone.
import { adminApi, createKey, measure, type ScenarioResult, type Target } from '../harness.js';

/** More than any run here can send, so that the quota never refuses (MAX_RATE_REQUESTS). */
const NEVER_REACHED = '100000000 per minute';

export async function quotaScenario(options: {
  url: string;
  adminKey: string;
  /** The request, as the cached-key scenario sends it, minus Authorization. */
  headers: Record<string, string>;
  servers: readonly number[];
}): Promise<ScenarioResult> {
  const plain = await createKey(options.url, options.adminKey, 'quota-user');
  const metered = await createKey(options.url, options.adminKey, 'quota-user');
  await adminApi(options.url, options.adminKey)('PATCH', `/v1/admin/keys/${metered.id}`, {
    rateLimit: NEVER_REACHED,
  });
  const target = (key: string): Target => ({
    url: `${options.url}/v1/authz/nginx`,
    headers: { ...options.headers, Authorization: `Bearer ${key}` },
    status: 200,
    servers: options.servers,
  });
  return {
    name: 'nginx endpoint, valid key with a quota never reached',
    baseline: 'same, key without a quota',
    result: await measure(target(metered.key), target(plain.key)),
  };
}
