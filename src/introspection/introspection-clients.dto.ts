import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PageMetaDto } from '../common/pagination.js';

export class CreateIntrospectionClientDto {
  @ApiProperty({ example: 'gateway', description: 'What the client is' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({
    example: 'api-gateway',
    description: 'The client_id to use; generated when left out',
    pattern: '^[A-Za-z0-9._-]{3,64}$',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{3,64}$/, {
    message: 'must be 3-64 letters, digits, dots, dashes or underscores',
  })
  clientId?: string;
}

export class IntrospectionClientDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty()
  clientId: string;
  @ApiProperty()
  name: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true })
  createdById: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class CreatedIntrospectionClientDto extends IntrospectionClientDto {
  @ApiProperty({ description: 'The client secret, shown in this response only (stored as a hash)' })
  clientSecret: string;
}

export class IntrospectionClientPageDto extends PageMetaDto {
  @ApiProperty({ type: [IntrospectionClientDto] })
  items: IntrospectionClientDto[];
}
