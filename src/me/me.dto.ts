import { ApiProperty, OmitType } from '@nestjs/swagger';
import { CreateKeyDto, ListKeysQueryDto } from '../keys/keys.dto.js';

/** A key for oneself: the same as an admin's request, without choosing the owner. */
export class CreateOwnKeyDto extends OmitType(CreateKeyDto, ['userId', 'username'] as const) {}

export class ListOwnKeysQueryDto extends OmitType(ListKeysQueryDto, ['userId'] as const) {}

export class MeDto {
  @ApiProperty({ format: 'uuid' })
  userId: string;
  @ApiProperty()
  username: string;
  @ApiProperty({ type: String, nullable: true })
  email: string | null;
  @ApiProperty({ type: String, nullable: true })
  displayName: string | null;
  @ApiProperty({ type: [String] })
  groups: string[];
  @ApiProperty({ description: 'The public id of the key this request was made with' })
  keyId: string;
  @ApiProperty({ description: 'Whether users may create their own keys (allowSelfServiceKeys)' })
  selfServiceKeys: boolean;
}
