import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIP,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { RULE_NAME } from '../../policies/rules/rule.js';

@ValidatorConstraint({ name: 'headerMap' })
class HeaderMapConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return (
      entries.length <= 100 &&
      entries.every(
        ([name, v]) =>
          /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/.test(name) &&
          typeof v === 'string' &&
          v.length <= 8192,
      )
    );
  }
  defaultMessage(): string {
    return 'must be an object of at most 100 header names to string values';
  }
}

export class DecisionQueryDto {
  @ApiPropertyOptional({ example: 'GET', default: 'GET' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z]{1,20}$/, { message: 'must be an HTTP method such as GET' })
  method?: string;

  @ApiPropertyOptional({ example: '/orders/42?expand=items', default: '/' })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  @Matches(/^\//, { message: 'must start with /' })
  path?: string;

  @ApiPropertyOptional({ example: 'api.example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  host?: string;

  @ApiPropertyOptional({
    example: '203.0.113.7',
    description: 'The client address the request came from',
  })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { authorization: 'Bearer pcl_...' },
    description: 'Request headers; Authorization and Host are read',
  })
  @IsOptional()
  @IsObject()
  @Validate(HeaderMapConstraint)
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    description:
      'A credential to check, as if sent as `Authorization: Bearer <credential>`; not with headers.authorization',
  })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  credential?: string;

  @ApiPropertyOptional({
    example: 'orders-api',
    description:
      'Decide by this named rule set, as a proxy that chose it would (Envoy `context_extensions` ' +
      '`portcullis.rules`, or a /v1/authz/rule-sets/{name}/... endpoint); absent: the global list',
  })
  @IsOptional()
  @IsString()
  @Matches(RULE_NAME, {
    message: 'must be a rule set name: lower-case letters, digits, ., _ and -',
  })
  ruleSet?: string;

  @ApiPropertyOptional({
    default: false,
    description:
      'Also say why: each rule considered and whether it matched, the verifier that claimed the ' +
      'credential, and each requirement checked (`trace`)',
  })
  @IsOptional()
  @IsBoolean()
  explain?: boolean;
}

export class TraceStepDto {
  @ApiProperty({ enum: ['rule set', 'rule', 'credential', 'requirement'] })
  step: string;
  @ApiProperty({
    description: "The rule set's name, the rule's, the verifier's, or the requirement checked",
  })
  name: string;
  @ApiProperty({ enum: ['matched', 'not matched', 'passed', 'failed', 'not reached'] })
  result: string;
  @ApiProperty({ example: 'needs one of ops; alice is in developers' })
  detail: string;
}

export class DecisionCredentialDto {
  @ApiProperty({ enum: ['api_key', 'provider_token'] })
  kind: string;
  @ApiProperty({ description: 'The key id, or tok_ and a fingerprint of a provider token' })
  keyId: string;
  @ApiProperty({ enum: ['bearer', 'basic'] })
  type: string;
}

export class DecisionIdentityDto {
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
  @ApiProperty({ type: DecisionCredentialDto })
  credential: DecisionCredentialDto;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt: string | null;
}

export class DecisionDto {
  @ApiProperty()
  allowed: boolean;
  @ApiProperty({ enum: [200, 401, 403, 429, 503], description: 'The status a proxy would answer' })
  status: number;
  @ApiProperty({ example: 'authenticated', description: 'Stable reason code' })
  reason: string;
  @ApiProperty({ type: String, nullable: true })
  verifier: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'orders-write',
    description: 'The name of the rule that decided (`default`: the default rule), when one did',
  })
  rule: string | null;
  @ApiProperty({ type: DecisionIdentityDto, nullable: true })
  identity: DecisionIdentityDto | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Headers a proxy would set upstream (allowed requests only)',
  })
  headers: Record<string, string>;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Bearer realm="portcullis", error="insufficient_scope", scope="orders:write"',
    description:
      'The WWW-Authenticate challenge a proxy would answer with (401s, and 403 insufficient_scope)',
  })
  wwwAuthenticate: string | null;
  @ApiPropertyOptional({ type: [TraceStepDto], description: 'With explain: why, step by step' })
  trace?: TraceStepDto[];
}
