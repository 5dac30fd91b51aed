import { SetMetadata } from '@nestjs/common';

export const AUDITED_ACTION = 'portcullis:audited-action';

export interface AuditedAction {
  action: string;
  /**
   * Fields of the request (and of the record before and after) that hold a secret: the trail
   * records that they were set ("[secret]") or cleared (null), never their value.
   */
  secrets: readonly string[];
}

/**
 * Records every successful call of this handler in the audit trail, as `action`: the request's
 * fields, and for a change to an existing record its state before (read with the controller's own
 * `get` handler, so a delete keeps the record's name) and after (the handler's answer).
 */
export const Audited = (action: string, options: { secrets?: readonly string[] } = {}) =>
  SetMetadata(AUDITED_ACTION, { action, secrets: options.secrets ?? [] } satisfies AuditedAction);
