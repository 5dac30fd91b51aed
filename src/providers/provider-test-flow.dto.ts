import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class AttributeDto {
  @ApiProperty({ example: 'email', description: 'Dotted path, usable as usernameAttribute' })
  path: string;
  @ApiProperty({ description: 'The value as the provider gave it' })
  value: unknown;
  @ApiProperty({ enum: ['id_token', 'access_token', 'userinfo', 'introspection'] })
  source: 'id_token' | 'access_token' | 'userinfo' | 'introspection';
}

export class AttributesDto {
  @ApiProperty({ format: 'uuid' })
  providerId: string;
  @ApiProperty({ description: 'The attribute the provider maps users by now' })
  usernameAttribute: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Its value in this answer: who this token would be (null: absent)',
  })
  usernameValue: string | null;
  @ApiProperty({ type: [AttributeDto] })
  attributes: AttributeDto[];
  @ApiProperty({
    type: [String],
    description:
      'What could not be shown and why (a provider endpoint that failed): the attributes are then partial',
  })
  notes: string[];
}

export class PreviewTokenDto {
  @ApiProperty({ description: 'An access token issued by the provider', writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(8192)
  accessToken: string;
}

export class TestLoginDto {
  @ApiProperty({ format: 'uri', description: 'Open this in a browser to log in at the provider' })
  authorizationUrl: string;
}
