import type { AdminApi } from '../admin-client/admin-api.js';
import type { Plan, PlannedChange } from './config-plan.js';

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
    super(`Could not ${change.action} ${change.kind} ${change.label}`);
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
  let applied = 0;
  for (const change of plan.changes) {
    const { method, path, body, clientSecretFrom } = change.request;
    const sent =
      clientSecretFrom === undefined
        ? body
        : { ...body, clientSecret: clientSecretFrom === null ? null : env[clientSecretFrom] };
    try {
      await api.request(method, path, sent);
    } catch (error) {
      throw new ApplyStepError(change, applied, error);
    }
    applied++;
    onApplied(change);
  }
  return applied;
}

const SIGN = { add: '+', change: '~', remove: '-' } as const;

/** One line per change, fields below: what a reviewer reads before `--yes`. */
export function describePlan(plan: Plan): string {
  const lines: string[] = [];
  for (const change of plan.changes) lines.push(...describeChange(change));
  for (const note of plan.notes) lines.push(`  note: ${note}`);
  const count = (action: string) => plan.changes.filter((c) => c.action === action).length;
  lines.push(
    plan.changes.length === 0
      ? 'No changes: the service matches the file.'
      : `Plan: ${count('add')} to add, ${count('change')} to change, ${count('remove')} to remove.`,
  );
  return lines.join('\n');
}

export function describeChange(change: PlannedChange): string[] {
  const head = `${SIGN[change.action]} ${change.kind} ${change.label}${change.note ? ` (${change.note})` : ''}`;
  const fields = change.fields.map((f) =>
    change.action === 'change'
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
  };
}

function show(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string')
    return value.startsWith('$') || value === '(set)' ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
