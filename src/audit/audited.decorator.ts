import { SetMetadata } from '@nestjs/common';

export const AUDITED_ACTION = 'portcullis:audited-action';

/** Records every successful call of this handler in the audit trail, as `action`. */
export const Audited = (action: string) => SetMetadata(AUDITED_ACTION, action);
