import type { LintWarning } from '../../policies/rules/rule-lint.js';

export type ChangeAction = 'add' | 'change' | 'move' | 'remove';
export type ResourceKind = 'settings' | 'group' | 'rule' | 'default rule' | 'provider';

export interface FieldChange {
  field: string;
  from?: unknown;
  to: unknown;
}

/**
 * The admin API call that carries out a change; a client secret is read only when it is sent.
 * Changes to rules share one request (the whole list is replaced at once): it is sent once.
 */
export interface ChangeRequest {
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
  /** Preconditions: If-Match with the rules' version read when planning. */
  headers?: Record<string, string>;
  /** What the request does, in words, when it carries more than one change. */
  summary?: string;
  /** Send `clientSecret` from this environment variable (or null to remove it). */
  clientSecretFrom?: string | null;
}

export interface PlannedChange {
  action: ChangeAction;
  kind: ResourceKind;
  /** The resource's natural key, in words. */
  label: string;
  fields: FieldChange[];
  note?: string;
  request: ChangeRequest;
}

export interface Plan {
  changes: PlannedChange[];
  /** Things apply will not do, and why (a group the caller belongs to is never removed). */
  notes: string[];
  /** Lint warnings about the rule list as the plan leaves it (when the file has rules). */
  warnings: LintWarning[];
}

export interface PlanOptions {
  /** Send every referenced client secret again (the service never shows them, so cannot compare). */
  updateSecrets?: boolean;
}

/** The file cannot be applied to this service as it is: nothing is changed. */
export class PlanError extends Error {
  override name = 'PlanError';
  constructor(readonly problems: string[]) {
    super(`The file cannot be applied:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}
