import { ApiProblemError } from '../../admin-client/admin-api.js';
import { connect, parse, positionals, UsageError, type Subcommand } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson } from '../output.js';

interface DecisionRecord {
  allowed: boolean;
  status: number;
  reason: string;
  verifier: string | null;
  rule: string | null;
  identity: { username: string; groups: string[]; credential: { keyId: string } } | null;
  headers: Record<string, string>;
  wwwAuthenticate?: string | null;
  trace?: { step: string; name: string; result: string; detail: string }[];
}

const MARK: Record<string, string> = {
  matched: '→',
  'not matched': '·',
  passed: '✓',
  failed: '✗',
  'not reached': '-',
};

/** The 503 answer is a decision too ("unavailable"), not a problem document. */
function unavailable(error: unknown): DecisionRecord | undefined {
  if (!(error instanceof ApiProblemError) || error.problem.status !== 503) return undefined;
  const body = error.problem as unknown as Partial<DecisionRecord>;
  return typeof body.allowed === 'boolean' ? (body as DecisionRecord) : undefined;
}

export const decideCommand: Subcommand & { name: string } = {
  name: 'decide',
  usage:
    'decide <method> <path> [--ip <client address>] [--host <host>]\n' +
    '       [--credential <key or token> | --basic <username:key>] [--header "Name: value"]...\n' +
    '       [--rule-set <name>] [--explain]\n\n' +
    '--rule-set decides by that named rule set, as a proxy that chose it would.\n' +
    '--explain prints why: each rule considered, the verifier, each requirement checked.\n' +
    'Exits 0 when allowed, 4 when denied (401 or 403), 1 when it cannot be decided (503).',
  summary: 'Ask for a decision on a request, with its reason',
  async run(args) {
    const { values, positionals: given } = parse(args, {
      ip: { type: 'string' },
      host: { type: 'string' },
      credential: { type: 'string' },
      basic: { type: 'string' },
      header: { type: 'string', multiple: true },
      'rule-set': { type: 'string' },
      explain: { type: 'boolean' },
    });
    if (values.basic !== undefined && values.credential !== undefined) {
      throw new UsageError('Give --credential or --basic, not both');
    }
    const [method, path] = positionals(given, ['method', 'path']);
    const headers = Object.fromEntries(
      (values.header ?? []).map((h) => {
        const colon = h.indexOf(':');
        return colon < 0 ? [h.trim(), ''] : [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
      }),
    );
    if (values.basic !== undefined) {
      headers.authorization = `Basic ${Buffer.from(values.basic).toString('base64')}`;
    }
    let decision: DecisionRecord;
    try {
      decision = await connect(values).request<DecisionRecord>('POST', '/v1/decisions', {
        method,
        path,
        ip: values.ip,
        host: values.host,
        credential: values.credential,
        headers: Object.keys(headers).length === 0 ? undefined : headers,
        ruleSet: values['rule-set'],
        ...(values.explain && { explain: true }),
      });
    } catch (error) {
      const answer = unavailable(error);
      if (answer === undefined) throw error;
      decision = answer;
    }
    if (values.json) {
      printJson(decision);
    } else {
      const verdict = decision.allowed
        ? 'allowed'
        : decision.status === 503
          ? 'undecided'
          : 'denied';
      console.log(`${verdict} (${decision.status}) ${decision.reason}`);
      if (decision.identity) {
        const { username, groups, credential } = decision.identity;
        console.log(
          `  as ${username} (key ${credential.keyId}; groups: ${groups.join(', ') || 'none'})`,
        );
      }
      if (decision.rule) console.log(`  rule ${decision.rule}`);
      if (decision.wwwAuthenticate) console.log(`  challenge: ${decision.wwwAuthenticate}`);
      for (const [name, value] of Object.entries(decision.headers)) {
        console.log(`  ${name}: ${value}`);
      }
      if (decision.trace) {
        console.log('why:');
        for (const { step, name, result, detail } of decision.trace) {
          console.log(`  ${MARK[result] ?? ' '} ${step} ${name}: ${detail}`);
        }
      }
    }
    if (decision.allowed) return EXIT.ok;
    return decision.status === 503 ? EXIT.failed : EXIT.denied;
  },
};
