// Rules: what the length of the rule list costs a cached decision. The same nginx endpoint request,
// decided by the last rule of a list of 1,000, measured against the same request decided by the
// last of 10; the runs alternate, the list being replaced (PUT /v1/admin/rules) before each. Also
// the time to compile 1,000 rules, which every instance spends after a change on another.
import { RuleMatcher } from '../../src/policies/rules/rule-matcher.js';
import type { RuleList, RuleSpec } from '../../src/policies/rules/rule.js';
import { measure, median, type ScenarioResult, type Target } from '../harness.js';

export interface RulesResult {
  scenario: ScenarioResult;
  /** Milliseconds to compile the 1,000-rule list, one per trial. */
  compileMs: number[];
}

/**
 * A list shaped like a large deployment's: services under their own first path segment (some per
 * host, some on every host), tenants on wildcard hosts, public docs, a few rules whose first
 * segment is a wildcard (which no index can skip), and last the rule the request meets.
 */
export function ruleList(count: number): RuleList {
  const rules: RuleSpec[] = [];
  const rule = (name: string, effect: RuleSpec['effect'], match: Partial<RuleSpec['match']>) =>
    rules.push({
      name,
      effect,
      match: { hosts: [], paths: [], methods: [], ...match },
      require: effect === 'authenticated' ? [{ ipRanges: ['10.0.0.0/8', '127.0.0.0/8'] }] : [],
    });
  const wildcards = Math.max(1, Math.round(count / 100));
  for (let i = 0; i < wildcards; i++)
    rule(`internal-${i}`, 'deny', { paths: [`/*/internal-${i}/**`] });
  for (let i = 0; rules.length < count - 1; i++) {
    const kind = i % 10;
    if (kind < 6)
      rule(`svc-${i}`, 'authenticated', {
        paths: [`/svc-${i}/**`],
        methods: kind % 2 ? ['GET', 'HEAD'] : [],
      });
    else if (kind < 8)
      rule(`host-svc-${i}`, 'authenticated', {
        hosts: [`api-${i % 50}.example.com`],
        paths: [`/svc-${i}/**`],
      });
    else if (kind === 8)
      rule(`tenant-${i}`, 'authenticated', {
        hosts: [`*.tenant-${i}.example.com`],
        paths: [`/t-${i}/**`],
      });
    else rule(`docs-${i}`, 'public', { paths: [`/docs-${i}/**`] });
  }
  rule('orders-read', 'authenticated', { paths: ['/orders/**'], methods: ['GET', 'HEAD'] });
  return { rules, defaultRule: { effect: 'authenticated', require: [] } };
}

export async function rulesScenario(options: {
  url: string;
  adminKey: string;
  /** The cached-key scenario's request: GET /orders/42 with a valid key. */
  target: Target;
}): Promise<RulesResult> {
  const replaceWith = (list: RuleList) => async () => {
    const headers = { authorization: `Bearer ${options.adminKey}` };
    const current = await fetch(`${options.url}/v1/admin/rules`, { headers });
    const put = await fetch(`${options.url}/v1/admin/rules`, {
      method: 'PUT',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'if-match': current.headers.get('etag')!,
      },
      body: JSON.stringify(list),
    });
    if (!put.ok) throw new Error(`PUT /v1/admin/rules: ${put.status} ${await put.text()}`);
  };
  const many = ruleList(1000);
  const compileMs: number[] = [];
  for (let trial = 0; trial < 21; trial++) {
    const started = process.hrtime.bigint();
    RuleMatcher.compile(many);
    compileMs.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  console.log(`  compiling 1,000 rules: median ${median(compileMs).toFixed(2)} ms`);
  const scenario: ScenarioResult = {
    name: 'nginx endpoint, valid key, decided by rule 1,000 of 1,000',
    baseline: 'same, decided by rule 10 of 10',
    result: await measure(
      { ...options.target, prepare: replaceWith(many) },
      { ...options.target, prepare: replaceWith(ruleList(10)) },
    ),
  };
  await replaceWith({ rules: [], defaultRule: { effect: 'authenticated', require: [] } })();
  return { scenario, compileMs };
}
