import type { AdminApi } from '../admin-client/admin-api.js';
import type { ChangeRequest, Plan, PlannedChange } from './config-plan.js';
import type { RuleListState } from './service-state.js';

/** Referenced environment variables that hold no secret: nothing is applied while any is missing. */
export class MissingSecretsError extends Error {
  override name = 'MissingSecretsError';
  constructor(readonly variables: string[]) {
    super(
      `The file refers to client secrets in environment variables that are not set: ${variables.join(', ')}`,
    );
  }
}

/** A change the service refused half-way: what was done before it stays done. */
export class ApplyStepError extends Error {
  override name = 'ApplyStepError';
  constructor(
    readonly change: PlannedChange,
    readonly applied: number,
    override readonly cause: unknown,
  ) {
    super(
      `Could not ${change.request.summary ?? `${change.action} ${change.kind} ${change.label}`}`,
    );
  }
}

/** The rules changed on the service after the plan was read: nothing was applied. */
export class StaleRulesError extends Error {
  override name = 'StaleRulesError';
  constructor(
    readonly planned: string,
    readonly now: number,
  ) {
    super(
      `The rules changed on the service since the plan was made (version ${planned.replace(/"/g, '')}, ` +
        `now ${now}): nothing was applied. Run apply again to see the new plan.`,
    );
  }
}

export function missingSecrets(plan: Plan, env: NodeJS.ProcessEnv): string[] {
  const names = plan.changes
    .map((c) => c.request.clientSecretFrom)
    .filter((name): name is string => typeof name === 'string');
  return [...new Set(names.filter((name) => !env[name]))];
}

/**
 * Carries the plan out, in its order, through the admin API; stops at the first refusal. Client
 * secrets are read from the environment only here, and only into the request body.
 */
export async function applyPlan(
  api: AdminApi,
  plan: Plan,
  env: NodeJS.ProcessEnv,
  onApplied: (change: PlannedChange) => void = () => undefined,
): Promise<number> {
  const missing = missingSecrets(plan, env);
  if (missing.length > 0) throw new MissingSecretsError(missing);
  await checkRulesBeforehand(api, plan);
  const sent = new Set<ChangeRequest>();
  let applied = 0;
  for (const change of plan.changes) {
    if (!sent.has(change.request)) {
      sent.add(change.request);
      const { method, path, body, headers, clientSecretFrom } = change.request;
      const payload =
        clientSecretFrom === undefined
          ? body
          : { ...body, clientSecret: clientSecretFrom === null ? null : env[clientSecretFrom] };
      try {
        await api.request(method, path, payload, headers);
      } catch (error) {
        throw new ApplyStepError(change, applied, error);
      }
    }
    applied++;
    onApplied(change);
  }
  return applied;
}

/**
 * Before the first step: the rules' PUT carries If-Match, so a concurrent change to them is
 * refused whenever it comes, but checking the version first (and having the service validate the
 * list, without storing it) keeps the other sections from being applied without them.
 */
async function checkRulesBeforehand(api: AdminApi, plan: Plan): Promise<void> {
  const change = plan.changes.find((c) => c.request.headers?.['if-match'] !== undefined);
  const ifMatch = change?.request.headers?.['if-match'];
  if (change === undefined || ifMatch === undefined) return;
  const { version } = await api.request<RuleListState>('GET', '/v1/admin/rules');
  if (`"${version}"` !== ifMatch) throw new StaleRulesError(ifMatch, version);
  try {
    await api.request('POST', '/v1/admin/rules/lint', change.request.body);
  } catch (error) {
    throw new ApplyStepError(change, 0, error);
  }
}

const SIGN = { add: '+', change: '~', move: '>', remove: '-' } as const;

/** One line per change, fields below: what a reviewer reads before `--yes`. */
export function describePlan(plan: Plan): string {
  const lines: string[] = [];
  for (const change of plan.changes) lines.push(...describeChange(change));
  for (const note of plan.notes) lines.push(`  note: ${note}`);
  for (const warning of plan.warnings) lines.push(`  warning: ${warning.message}`);
  const count = (action: string) => plan.changes.filter((c) => c.action === action).length;
  const moves = count('move') > 0 ? `${count('move')} to move, ` : '';
  lines.push(
    plan.changes.length === 0
      ? 'No changes: the service matches the file.'
      : `Plan: ${count('add')} to add, ${count('change')} to change, ${moves}${count('remove')} to remove.`,
  );
  return lines.join('\n');
}

export function describeChange(change: PlannedChange): string[] {
  const head = `${SIGN[change.action]} ${change.kind} ${change.label}${change.note ? ` (${change.note})` : ''}`;
  const fields = change.fields.map((f) =>
    f.from !== undefined || change.action === 'change'
      ? `      ${f.field}: ${show(f.from)} -> ${show(f.to)}`
      : `      ${f.field}: ${show(f.to)}`,
  );
  return [head, ...fields];
}

/** The plan for scripts: no request bodies (a secret is only ever named). */
export function planForJson(plan: Plan): object {
  return {
    changes: plan.changes.map(({ action, kind, label, fields, note }) => ({
      action,
      kind,
      label,
      fields,
      ...(note !== undefined && { note }),
    })),
    notes: plan.notes,
    warnings: plan.warnings,
  };
}

function show(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string')
    return value.startsWith('$') || value === '(set)' ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
