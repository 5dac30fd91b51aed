import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../common/pagination.js';
import { RateLimitField } from '../limits/rate-limit.dto.js';

/** Letters, digits and `._@-`; never a colon, which would break Basic authentication. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Letters, digits and `._:/@-`; never a comma or space, which would break group headers. */
export const GROUP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,63}$/;

const usernameRule = Matches(USERNAME_PATTERN, {
  message: 'must be 1-64 characters: letters, digits and . _ @ -, starting with a letter or digit',
});
const groupNameRule = (each = false) =>
  Matches(GROUP_NAME_PATTERN, {
    each,
    message: `${each ? 'each ' : ''}must be 1-64 characters: letters, digits and . _ : / @ -, starting with a letter or digit`,
  });

export class CreateUserDto {
  @ApiProperty({
    example: 'alice',
    description: 'Unique regardless of case',
    pattern: USERNAME_PATTERN.source,
  })
  @IsString()
  @usernameRule
  username: string;

  @ApiPropertyOptional({ example: 'alice@example.com', type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email?: string | null;

  @ApiPropertyOptional({ example: 'Alice Liddell', type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  displayName?: string | null;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({
    type: [String],
    example: ['developers'],
    description: 'Names of existing groups',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @groupNameRule(true)
  groups?: string[];
}

export class UpdateUserDto {
  @ApiPropertyOptional({ pattern: USERNAME_PATTERN.source })
  @IsOptional()
  @IsString()
  @usernameRule
  username?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  displayName?: string | null;

  @ApiPropertyOptional({
    description: 'A disabled user is refused everywhere, whatever credential they hold',
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty()
  username: string;
  @ApiProperty({ type: String, nullable: true })
  email: string | null;
  @ApiProperty({ type: String, nullable: true })
  displayName: string | null;
  @ApiProperty()
  disabled: boolean;
  @ApiProperty({ type: [String], description: 'Names of the groups the user belongs to' })
  groups: string[];
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class UserPageDto extends PageMetaDto {
  @ApiProperty({ type: [UserDto] })
  items: UserDto[];
}

class UserFilterDto {
  @ApiPropertyOptional({ description: 'Only members of this group (by name)' })
  @IsOptional()
  @IsString()
  @groupNameRule()
  group?: string;

  @ApiPropertyOptional({ description: 'Only users whose username or email contains this text' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  search?: string;
}

export class ListUsersQueryDto extends IntersectionType(PageQueryDto, UserFilterDto) {}

class GroupFilterDto {
  @ApiPropertyOptional({ description: 'Only groups whose name contains this text (any case)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  search?: string;
}

export class ListGroupsQueryDto extends IntersectionType(PageQueryDto, GroupFilterDto) {}

export class CreateGroupDto {
  @ApiProperty({ example: 'developers', pattern: GROUP_NAME_PATTERN.source })
  @IsString()
  @groupNameRule()
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @RateLimitField(
    "Request quota shared by all the members' keys together, on every interface and instance.",
  )
  rateLimit?: string | null;
}

export class UpdateGroupDto {
  @ApiPropertyOptional({ pattern: GROUP_NAME_PATTERN.source })
  @IsOptional()
  @IsString()
  @groupNameRule()
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @RateLimitField(
    "Request quota shared by all the members' keys together, on every interface and instance.",
  )
  rateLimit?: string | null;
}

export class GroupDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty()
  name: string;
  @ApiProperty({ type: String, nullable: true })
  description: string | null;
  @ApiProperty({ description: 'Number of members' })
  memberCount: number;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '600 per minute',
    description: "Request quota shared by the members' keys; null: none",
  })
  rateLimit: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class GroupPageDto extends PageMetaDto {
  @ApiProperty({ type: [GroupDto] })
  items: GroupDto[];
}
