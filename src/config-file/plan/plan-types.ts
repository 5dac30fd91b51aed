export type ChangeAction = 'add' | 'change' | 'remove';
export type ResourceKind = 'settings' | 'group' | 'path rule' | 'access rule' | 'provider';

export interface FieldChange {
  field: string;
  from?: unknown;
  to: unknown;
}

/** The admin API call that carries out a change; a client secret is read only when it is sent. */
export interface ChangeRequest {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
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
