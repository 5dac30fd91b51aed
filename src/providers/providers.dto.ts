import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageMetaDto } from '../common/pagination.js';
import {
  PROVIDER_PRESETS,
  TOKEN_VALIDATIONS,
  type ProviderPreset,
  type TokenValidation,
} from './provider-presets.js';
import type { GroupsMode, MatchBy } from './provider.entity.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ()._-]{0,63}$/;
/** A JSON path into claims: names joined by dots (`email`, `realm_access.roles`). */
export const ATTRIBUTE_PATH = /^[A-Za-z0-9_:$@-]+(\.[A-Za-z0-9_:$@-]+)*$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$/;

export class PresetParametersDto {
  @ApiPropertyOptional({ description: 'azure: the directory (tenant) id or domain' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9.-]{1,100}$/, { message: 'must be a tenant id or domain' })
  tenant?: string;

  @ApiPropertyOptional({
    description: 'okta, auth0: the domain; cognito: the hosted UI domain',
    example: 'example.okta.com',
  })
  @IsOptional()
  @IsString()
  @Matches(HOSTNAME, { message: 'must be a host name' })
  domain?: string;

  @ApiPropertyOptional({ description: 'okta: the authorization server id', default: 'default' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9]{1,64}$/, { message: 'must be an authorization server id' })
  authorizationServer?: string;

  @ApiPropertyOptional({
    description: 'keycloak, gitlab: the base URL',
    example: 'https://sso.example.com',
  })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  @Matches(/^https?:\/\/[^\s?#]+$/, { message: 'must be an http(s) URL without query' })
  baseUrl?: string;

  @ApiPropertyOptional({ description: 'keycloak: the realm' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'must be a realm name' })
  realm?: string;

  @ApiPropertyOptional({ description: 'cognito: the AWS region', example: 'eu-west-1' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as eu-west-1' })
  region?: string;

  @ApiPropertyOptional({ description: 'cognito: the user pool id', example: 'eu-west-1_AbC123' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$/, { message: 'must be a user pool id' })
  userPoolId?: string;
}

const url = (description: string) =>
  ApiPropertyOptional({ type: String, nullable: true, format: 'uri', description });

export class CreateProviderDto {
  @ApiProperty({ example: 'Corporate Okta' })
  @IsString()
  @Matches(NAME, { message: 'must be 1-64 letters, digits, spaces, dots, brackets, _ or -' })
  name: string;

  @ApiProperty({ enum: PROVIDER_PRESETS })
  @IsIn(PROVIDER_PRESETS)
  preset: ProviderPreset;

  @ApiPropertyOptional({ type: PresetParametersDto, description: 'What the preset needs' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PresetParametersDto)
  parameters?: PresetParametersDto;

  @url('The issuer (`iss`) of its tokens; discovery is read from here when the preset has none')
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  issuer?: string | null;

  @url('Overrides the preset or discovery')
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  authorizationEndpoint?: string | null;

  @url('Overrides the preset or discovery')
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  tokenEndpoint?: string | null;

  @url('Overrides the preset or discovery')
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  userinfoEndpoint?: string | null;

  @url('Overrides the preset or discovery')
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  jwksUri?: string | null;

  @url('RFC 7662 introspection; overrides the preset or discovery')
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  introspectionEndpoint?: string | null;

  @ApiPropertyOptional({
    default: true,
    description: 'Read /.well-known/openid-configuration where there is one',
  })
  @IsOptional()
  @IsBoolean()
  discover?: boolean;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  clientId: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    writeOnly: true,
    description: 'Stored encrypted; never returned',
  })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  clientSecret?: string | null;

  @ApiPropertyOptional({ example: 'openid profile email', description: 'Default: the preset’s' })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, {
    message: 'must be space-separated scope tokens',
  })
  @MaxLength(500)
  scope?: string;

  @ApiPropertyOptional({
    enum: TOKEN_VALIDATIONS,
    description:
      '`jwt`: signature and claims checked locally against the JWKS; `userinfo` or ' +
      '`introspection`: asked of the provider; `auto`: jwt for JWTs of this issuer, else the ' +
      'provider’s introspection, else userinfo',
  })
  @IsOptional()
  @IsIn(TOKEN_VALIDATIONS)
  validation?: TokenValidation;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Required in the `aud` of JWTs',
  })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  audience?: string | null;

  @ApiPropertyOptional({
    description:
      'Require `typ: at+jwt` and the RFC 9068 claims (exp, iat, sub, client_id, jti); default: ' +
      'on for custom providers, off for presets (vendors often omit some)',
  })
  @IsOptional()
  @IsBoolean()
  strictJwt?: boolean;

  @ApiPropertyOptional({
    example: 'preferred_username',
    description: 'The claim (a dotted path) naming the user; default: the preset’s',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(ATTRIBUTE_PATH, { message: 'must be a claim name or a dotted path' })
  usernameAttribute?: string;

  @ApiPropertyOptional({
    enum: ['username', 'email'],
    description: 'Whether the attribute is a local username or an email',
  })
  @IsOptional()
  @IsIn(['username', 'email'])
  matchBy?: MatchBy;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'groups' })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(ATTRIBUTE_PATH, { message: 'must be a claim name or a dotted path' })
  groupsAttribute?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'scp',
    description:
      "The claim a token's scopes are read from, for rules that require scopes: a space-separated " +
      'string or an array. Null (the default): `scope`, else `scp`.',
  })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(ATTRIBUTE_PATH, { message: 'must be a claim name or a dotted path' })
  scopeClaim?: string | null;

  @ApiPropertyOptional({
    enum: ['add', 'replace'],
    default: 'add',
    description: 'Groups from the token add to the local groups, or replace them',
  })
  @IsOptional()
  @IsIn(['add', 'replace'])
  groupsMode?: GroupsMode;

  @ApiPropertyOptional({ default: false, description: 'Create unknown users on first sight' })
  @IsOptional()
  @IsBoolean()
  provisionUsers?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'Offer "Sign in with <name>" on the web console (authorization code with PKCE); register ' +
      '`consoleRedirectUri` at the provider. Needs authorization and token endpoints',
  })
  @IsOptional()
  @IsBoolean()
  consoleSignIn?: boolean;

  @ApiPropertyOptional({ default: 100, description: 'Providers are tried in this order' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  position?: number;
}

export class UpdateProviderDto extends PartialType(
  OmitType(CreateProviderDto, ['preset'] as const),
) {}

export class ProviderDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty()
  name: string;
  @ApiProperty({ enum: PROVIDER_PRESETS })
  preset: ProviderPreset;
  @ApiProperty({ type: PresetParametersDto })
  parameters: PresetParametersDto;
  @ApiProperty({ type: String, nullable: true })
  issuer: string | null;
  @ApiProperty({ type: String, nullable: true })
  authorizationEndpoint: string | null;
  @ApiProperty({ type: String, nullable: true })
  tokenEndpoint: string | null;
  @ApiProperty({ type: String, nullable: true })
  userinfoEndpoint: string | null;
  @ApiProperty({ type: String, nullable: true })
  jwksUri: string | null;
  @ApiProperty({ type: String, nullable: true })
  introspectionEndpoint: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'The discovery document as last read',
  })
  discovery: Record<string, unknown> | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  discoveredAt: string | null;
  @ApiProperty()
  clientId: string;
  @ApiProperty({ description: 'Whether a client secret is stored (it is never shown)' })
  hasClientSecret: boolean;
  @ApiProperty()
  scope: string;
  @ApiProperty({ enum: TOKEN_VALIDATIONS })
  validation: TokenValidation;
  @ApiProperty({ type: String, nullable: true })
  audience: string | null;
  @ApiProperty()
  strictJwt: boolean;
  @ApiProperty()
  usernameAttribute: string;
  @ApiProperty({ enum: ['username', 'email'] })
  matchBy: MatchBy;
  @ApiProperty({ type: String, nullable: true })
  groupsAttribute: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Null: `scope`, else `scp`' })
  scopeClaim: string | null;
  @ApiProperty({ enum: ['add', 'replace'] })
  groupsMode: GroupsMode;
  @ApiProperty()
  provisionUsers: boolean;
  @ApiProperty()
  enabled: boolean;
  @ApiProperty({ description: 'Offered for signing in to the web console' })
  consoleSignIn: boolean;
  @ApiProperty()
  position: number;
  @ApiProperty({ description: 'To register at the provider: PUBLIC_URL + the callback path' })
  redirectUri: string;
  @ApiProperty({
    description:
      'To register at the provider too when consoleSignIn is on: where it sends the browser ' +
      'back after a console sign-in',
  })
  consoleRedirectUri: string;
  @ApiProperty({
    type: [String],
    nullable: true,
    description: 'Attribute paths seen by the last test flow or preview',
  })
  lastAttributes: string[] | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class ProviderPageDto extends PageMetaDto {
  @ApiProperty({ type: [ProviderDto] })
  items: ProviderDto[];
}
