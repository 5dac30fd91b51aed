import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { IpOrCidrConstraint } from '../../common/ip-range.js';
import { GROUP_NAME_PATTERN } from '../../directory/directory.dto.js';
import { hostPatternProblem } from '../host-pattern.js';
import { pathPatternProblem } from '../path-pattern.js';
import {
  DEFAULT_EFFECTS,
  DEFAULT_RULE_NAME,
  RULE_EFFECTS,
  RULE_NAME,
  type DefaultEffect,
  type RuleEffect,
} from './rule.js';

/** A scope token (RFC 6749 §3.3): printable ASCII but space, `"` and `\\`. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;
export const SCOPE_TOKEN_MESSAGE =
  'must contain only scope tokens (RFC 6749 §3.3: printable, no spaces, quotes or \\)';

const PATTERN_SYNTAX =
  'Normalised paths: `/status` (exactly, with or without a trailing slash), `/docs/*` (one ' +
  'segment below /docs; `*` matches within a segment), `/docs/**` (/docs and everything below). ' +
  'public and bypass rules match them case-sensitively; deny and authenticated rules without ' +
  'regard to case or trailing dots. Empty: every path.';
const HOST_SYNTAX =
  'Host names such as `api.example.com`, `*` standing for one or more characters ' +
  '(`*.example.com`). Case and port are ignored. Empty: every host.';
const EFFECTS =
  '`public`: anonymous callers pass (the IP ranges of `require` still apply); a credential that ' +
  'is sent is verified, and its caller must meet `require`. `bypass`: passed on unchecked, for ' +
  "the upstream's own authentication. `deny`: refused. `authenticated`: a valid credential whose " +
  'caller meets `require`.';

/** With `each`, class-validator hands defaultMessage the whole list: the first bad item speaks. */
function firstBad<T>(value: unknown, problem: (item: unknown) => T | undefined): T | undefined {
  for (const item of Array.isArray(value) ? value : [value]) {
    const found = problem(item);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * A constraint on a pattern, or each pattern of a list, that `problem` explains when it fails
 * (path and host patterns alike).
 */
function patternConstraint(
  name: string,
  problem: (pattern: string) => string | undefined,
  kind: string,
) {
  const problemOf = (item: unknown) =>
    typeof item === 'string' ? problem(item) : 'must be a string';
  @ValidatorConstraint({ name })
  class PatternConstraint implements ValidatorConstraintInterface {
    validate(value: unknown): boolean {
      return problemOf(value) === undefined;
    }
    defaultMessage(args: ValidationArguments): string {
      const value: unknown = args.value;
      const bad = Array.isArray(value)
        ? value.find((item) => problemOf(item) !== undefined)
        : value;
      return `${JSON.stringify(bad)} ${firstBad(value, problemOf) ?? `is not a valid ${kind}`}`;
    }
  }
  return PatternConstraint;
}

export const PathPatternConstraint = patternConstraint(
  'pathPattern',
  pathPatternProblem,
  'path pattern',
);
const HostPatternConstraint = patternConstraint('hostPattern', hostPatternProblem, 'host pattern');

/** A list of HTTP methods (`description` says what an empty one means). */
export const HttpMethods = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], example: ['GET', 'HEAD'], description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(20),
    Matches(/^[A-Za-z]{1,20}$/, { each: true, message: 'must contain only HTTP methods' }),
  );

/** A claim condition names exactly one test: equals, oneOf or contains. */
@ValidatorConstraint({ name: 'oneClaimTest' })
class OneClaimTestConstraint implements ValidatorConstraintInterface {
  validate(_: unknown, args: ValidationArguments): boolean {
    const object = args.object as Record<string, unknown>;
    return (
      ['equals', 'oneOf', 'contains'].filter((test) => object[test] !== undefined).length === 1
    );
  }
  defaultMessage(): string {
    return 'a claim condition needs exactly one of equals, oneOf or contains';
  }
}

@ValidatorConstraint({ name: 'claimValue' })
class ClaimValueConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    const scalar = (v: unknown) =>
      (typeof v === 'string' && v.length <= 500) ||
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v));
    return Array.isArray(value)
      ? value.length >= 1 && value.length <= 100 && value.every(scalar)
      : scalar(value);
  }
  defaultMessage(): string {
    return 'must be a string, number or boolean (oneOf: a list of 1 to 100 of them)';
  }
}

@ValidatorConstraint({ name: 'notDefault' })
class NotDefaultConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return value !== DEFAULT_RULE_NAME;
  }
  defaultMessage(): string {
    return `"${DEFAULT_RULE_NAME}" names the default rule, which ends every list`;
  }
}

const Description = () =>
  applyDecorators(
    ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 }),
    ValidateIf((_, value) => value !== null),
    IsOptional(),
    IsString(),
    MaxLength(500),
  );

const GroupNames = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], example: ['ops'], description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(100),
    Matches(GROUP_NAME_PATTERN, { each: true, message: 'must contain only group names' }),
  );

export class ClaimConditionDto {
  @ApiProperty({
    example: 'realm_access.roles',
    description: 'The claim, by name or by a dotted path into nested objects',
  })
  @IsString()
  @Matches(/^[^\s]{1,200}$/, { message: 'must be a claim name or dotted path, without spaces' })
  @Validate(OneClaimTestConstraint)
  claim: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }],
    description: 'The claim has exactly this value',
  })
  @IsOptional()
  @Validate(ClaimValueConstraint)
  equals?: string | number | boolean;

  @ApiPropertyOptional({
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    description: 'The claim has one of these values',
  })
  @IsOptional()
  @IsArray()
  @Validate(ClaimValueConstraint)
  oneOf?: (string | number | boolean)[];

  @ApiPropertyOptional({
    description:
      'The claim is an array holding this value, or a space-separated string holding this word',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  contains?: string;
}

/** One requirement block: every field set must hold. */
export class RequirementsDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['10.0.0.0/8'],
    description: 'Client addresses or ranges; on a public rule they apply to anonymous callers too',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Validate(IpOrCidrConstraint, { each: true })
  ipRanges?: string[];

  @GroupNames('In at least one of these groups')
  anyGroups?: string[];

  @GroupNames('In every one of these groups')
  allGroups?: string[];

  @GroupNames('Members may only use GET, HEAD and OPTIONS, unless in one of fullAccessGroups')
  readOnlyGroups?: string[];

  @GroupNames('Members keep full access even when also in one of readOnlyGroups')
  fullAccessGroups?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['orders:write'],
    description: "Every one of these scopes, from the key or the provider token's scope claim",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(SCOPE_TOKEN, { each: true, message: SCOPE_TOKEN_MESSAGE })
  scopes?: string[];

  @ApiPropertyOptional({
    type: [ClaimConditionDto],
    description: "Conditions on a provider token's claims (keys have none, and fail them)",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ClaimConditionDto)
  claims?: ClaimConditionDto[];
}

export class RuleMatchDto {
  @ApiPropertyOptional({ type: [String], example: ['api.example.com'], description: HOST_SYNTAX })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @MaxLength(255, { each: true })
  @Validate(HostPatternConstraint, { each: true })
  hosts?: string[];

  @ApiPropertyOptional({ type: [String], example: ['/admin/**'], description: PATTERN_SYNTAX })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @MaxLength(1000, { each: true })
  @Validate(PathPatternConstraint, { each: true })
  paths?: string[];

  @HttpMethods('HTTP methods. Empty: every method')
  methods?: string[];
}

const RULE_SET_DESCRIPTION =
  'The named rule set the rule belongs to, chosen per route by the proxy (Envoy ' +
  '`context_extensions` `portcullis.rules`, or a /v1/authz/rule-sets/{name}/... endpoint). ' +
  'Null or absent: the global list. A set decides by its own rules, in list order, then the ' +
  'default rule.';

const REQUIRE_DESCRIPTION =
  'For public and authenticated rules: requirement blocks, every one of which must hold ' +
  '(usually one). Must be empty for bypass and deny.';

export class CreateRuleDto {
  @ApiProperty({
    example: 'admin-ops',
    description:
      'Unique; decisions, logs and metrics cite it. Lower-case letters, digits, `.`, `_` and ' +
      '`-`, at most 100 characters; `default` names the default rule.',
  })
  @IsString()
  @Matches(RULE_NAME, { message: 'must be lower-case letters, digits, ., _ and -, at most 100' })
  @Validate(NotDefaultConstraint)
  name: string;

  @ApiPropertyOptional({ type: RuleMatchDto, description: 'Which requests; absent: every one' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RuleMatchDto)
  match?: RuleMatchDto;

  @ApiProperty({ enum: RULE_EFFECTS, description: EFFECTS })
  @IsIn(RULE_EFFECTS)
  effect: RuleEffect;

  @ApiPropertyOptional({ type: [RequirementsDto], description: REQUIRE_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RequirementsDto)
  require?: RequirementsDto[];

  @Description()
  description?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'orders-api',
    description: RULE_SET_DESCRIPTION,
  })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @Matches(RULE_NAME, { message: 'must be lower-case letters, digits, ., _ and -, at most 100' })
  ruleSet?: string | null;
}

/** Where a new or moved rule goes: before or after another; absent: at the end of the list. */
export class RulePlacementDto {
  @ApiPropertyOptional({ description: 'Name of the rule to go before' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  before?: string;

  @ApiPropertyOptional({ description: 'Name of the rule to go after' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  after?: string;
}

export class CreateRuleRequestDto extends CreateRuleDto {
  @ApiPropertyOptional({ description: 'Name of the rule to go before (default: at the end)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  before?: string;

  @ApiPropertyOptional({ description: 'Name of the rule to go after (default: at the end)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  after?: string;
}

export class UpdateRuleDto extends PartialType(CreateRuleDto) {}

export class DefaultRuleDto {
  @ApiProperty({
    enum: DEFAULT_EFFECTS,
    description:
      'What happens to a request no rule matched: `authenticated` (a valid credential meeting ' +
      '`require`; the behaviour before rules existed) or `deny`',
  })
  @IsIn(DEFAULT_EFFECTS)
  effect: DefaultEffect;

  @ApiPropertyOptional({ type: [RequirementsDto], description: REQUIRE_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RequirementsDto)
  require?: RequirementsDto[];
}

export class ReplaceRulesDto {
  @ApiProperty({ type: [CreateRuleDto], description: 'The whole list, in order' })
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => CreateRuleDto)
  rules: CreateRuleDto[];

  @ApiPropertyOptional({ type: DefaultRuleDto, description: 'Absent: left as it is' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DefaultRuleDto)
  defaultRule?: DefaultRuleDto;
}

export class LintWarningDto {
  @ApiProperty({ description: 'The rule the warning is about' })
  rule: string;
  @ApiProperty({ enum: ['unreachable', 'pattern-never-matches', 'unknown-method'] })
  code: string;
  @ApiProperty()
  message: string;
}

export class RuleMatchViewDto {
  @ApiProperty({ type: [String], description: HOST_SYNTAX })
  hosts: string[];
  @ApiProperty({ type: [String], description: PATTERN_SYNTAX })
  paths: string[];
  @ApiProperty({ type: [String] })
  methods: string[];
}

export class RuleDto {
  @ApiProperty()
  name: string;
  @ApiProperty({ description: 'Place in the list, from 1' })
  position: number;
  @ApiProperty({ type: RuleMatchViewDto })
  match: RuleMatchViewDto;
  @ApiProperty({ enum: RULE_EFFECTS, description: EFFECTS })
  effect: RuleEffect;
  @ApiProperty({ type: [RequirementsDto], description: REQUIRE_DESCRIPTION })
  require: RequirementsDto[];
  @ApiProperty({ type: String, nullable: true })
  description: string | null;
  @ApiProperty({ type: String, nullable: true, description: RULE_SET_DESCRIPTION })
  ruleSet: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class DefaultRuleViewDto {
  @ApiProperty({ enum: DEFAULT_EFFECTS })
  effect: DefaultEffect;
  @ApiProperty({ type: [RequirementsDto] })
  require: RequirementsDto[];
}

export class RuleListDto {
  @ApiProperty({ description: 'Changes with every change to the list; send it back in If-Match' })
  version: number;
  @ApiProperty({ type: [RuleDto], description: 'In order: the first that matches decides' })
  rules: RuleDto[];
  @ApiProperty({ type: DefaultRuleViewDto, description: 'Decides what no rule matched' })
  defaultRule: DefaultRuleViewDto;
  @ApiProperty({ type: [LintWarningDto] })
  warnings: LintWarningDto[];
}

export class RuleChangeDto {
  @ApiProperty({ type: RuleDto })
  rule: RuleDto;
  @ApiProperty({ description: "The list's new version" })
  version: number;
  @ApiProperty({ type: [LintWarningDto], description: 'Lint warnings about the whole list' })
  warnings: LintWarningDto[];
}

export class LintRequestDto extends ReplaceRulesDto {}

export class LintResultDto {
  @ApiProperty({ type: [LintWarningDto] })
  warnings: LintWarningDto[];
}
