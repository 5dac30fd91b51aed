import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  Max,
  Min,
  IsOptional,
  IsString,
  Matches,
  ValidateIf,
  Validate,
} from 'class-validator';
import { IpOrCidrConstraint } from '../common/ip-range.js';
import { LIFETIME_DESCRIPTION, LIFETIME_PATTERN } from '../keys/key-lifetime.js';
import { IDENTITY_HEADER_STYLES, type IdentityHeaderStyle } from './settings.entity.js';

export class SettingsDto {
  @ApiProperty({ description: 'Increases with every change' })
  version: number;

  @ApiProperty({ description: 'Off: every request passes unchecked, with a warning in the log' })
  enabled: boolean;

  @ApiProperty({
    description:
      'Refuse (401) Basic credentials whose password is not a Portcullis key (the default); when off, such requests pass without identity, for the upstream to check the password',
  })
  disablePasswordBasicAuth: boolean;

  @ApiProperty({ description: 'Let users create and revoke their own keys' })
  allowSelfServiceKeys: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '90 days',
    description: `Longest lifetime a key may be given; null for no limit. ${LIFETIME_DESCRIPTION}`,
  })
  maxKeyLifetime: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 10,
    description: 'Most keys one user may hold active at once; null for no limit',
  })
  maxActiveKeysPerUser: number | null;

  @ApiProperty({
    type: [String],
    example: ['10.0.0.0/8'],
    description: 'Proxies whose X-Forwarded-For is believed',
  })
  trustedProxies: string[];

  @ApiProperty({
    enum: IDENTITY_HEADER_STYLES,
    description: 'Which headers carry the identity upstream',
  })
  identityHeaderStyle: IdentityHeaderStyle;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class UpdateSettingsDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  disablePasswordBasicAuth?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  allowSelfServiceKeys?: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '90 days',
    description: LIFETIME_DESCRIPTION,
  })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @Matches(LIFETIME_PATTERN, { message: `must be null or ${LIFETIME_DESCRIPTION.toLowerCase()}` })
  maxKeyLifetime?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: 10000 })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  maxActiveKeysPerUser?: number | null;

  @ApiPropertyOptional({ type: [String], example: ['10.0.0.0/8', '::1'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Validate(IpOrCidrConstraint, { each: true })
  trustedProxies?: string[];

  @ApiPropertyOptional({ enum: IDENTITY_HEADER_STYLES })
  @IsOptional()
  @IsIn(IDENTITY_HEADER_STYLES)
  identityHeaderStyle?: IdentityHeaderStyle;
}
