import { ApiProperty, OmitType } from '@nestjs/swagger';
import { DecisionIdentityDto } from '../adapters/json/decisions.dto.js';
import { CreateKeyDto, ListKeysQueryDto } from '../keys/keys.dto.js';

/** A key for oneself: the same as an admin's request, without choosing the owner. */
/** A user's own key: no owner to name, and no quota (an admin sets quotas). */
export class CreateOwnKeyDto extends OmitType(CreateKeyDto, [
  'userId',
  'username',
  'rateLimit',
] as const) {}

export class ListOwnKeysQueryDto extends OmitType(ListKeysQueryDto, ['userId', 'owner'] as const) {}

/** Who the caller is: the identity a decision would carry, and what they may do themselves. */
export class MeDto extends OmitType(DecisionIdentityDto, ['credential', 'expiresAt'] as const) {
  @ApiProperty({ description: 'The public id of the key this request was made with' })
  keyId: string;
  @ApiProperty({ description: 'Whether users may create their own keys (allowSelfServiceKeys)' })
  selfServiceKeys: boolean;
}
