import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsDateString, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../common/pagination.js';

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'date-time' })
  at: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'null: made without an API caller (bootstrap)',
  })
  actorUsername: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  actorUserId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Public id of the key used' })
  actorKeyId: string | null;
  @ApiProperty({ example: 'key.revoke' })
  action: string;
  @ApiProperty({ type: String, nullable: true })
  targetId: string | null;
  @ApiProperty({ type: String, nullable: true })
  ip: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true })
  details: Record<string, unknown>;
}

export class AuditPageDto extends PageMetaDto {
  @ApiProperty({ type: [AuditEventDto] })
  items: AuditEventDto[];
}

class AuditFilterDto {
  @ApiPropertyOptional({ description: 'Only changes made by this username' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  actor?: string;

  @ApiPropertyOptional({
    example: 'key.revoke',
    description: 'Only this action, or a prefix ending in "." (key.)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z-]+(\.[a-z-]*)?$/, {
    message: 'must be an action such as key.revoke, or a prefix such as key.',
  })
  action?: string;

  @ApiPropertyOptional({ description: 'Only changes to this record (an id)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  target?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsDateString()
  since?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsDateString()
  until?: string;
}

export class ListAuditQueryDto extends IntersectionType(PageQueryDto, AuditFilterDto) {}
