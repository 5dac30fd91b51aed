import { AppConfig } from '../config/app-config.js';
import { assertUsableAdminRemains } from './usable-admin.js';
import { containsPattern } from '../common/like-pattern.js';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { PROBLEM_TYPES, ProblemException } from '../common/problem.js';
import { CredentialInvalidator } from '../keys/credential-invalidator.js';
import type {
  CreateGroupDto,
  CreateUserDto,
  GroupDto,
  GroupPageDto,
  ListGroupsQueryDto,
  ListUsersQueryDto,
  UpdateGroupDto,
  UpdateUserDto,
  UserDto,
  UserPageDto,
} from './directory.dto.js';
import type { PageQueryDto } from '../common/pagination.js';
import { rateLimitColumns, rateLimitText } from '../limits/rate-limit.dto.js';
import { renameGroupInRules, rulesNaming } from '../policies/group-references.js';
import { SettingsService } from '../settings/settings.service.js';
import { Group } from './group.entity.js';
import { Membership } from './membership.entity.js';
import { User } from './user.entity.js';

/** Users, groups and memberships: the directory that credentials resolve to. */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly invalidate: CredentialInvalidator,
    private readonly settings: SettingsService,
    private readonly config: AppConfig,
  ) {}

  async createUser(input: CreateUserDto): Promise<UserDto> {
    const id = await this.dataSource.transaction(async (tx) => {
      await this.assertUsernameFree(tx, input.username);
      if (input.email) await this.assertEmailFree(tx, input.email);
      const groups = await this.groupsByName(tx, input.groups ?? []);
      const user = tx.create(User, {
        id: randomUUID(),
        username: input.username,
        email: input.email ?? null,
        displayName: input.displayName ?? null,
        disabled: input.disabled ?? false,
      });
      await tx.insert(User, user);
      if (groups.length > 0) {
        await tx.insert(
          Membership,
          groups.map((g) => ({ userId: user.id, groupId: g.id })),
        );
      }
      return user.id;
    });
    // Provider tokens for this name may have been remembered as "no such user".
    await this.invalidate.announceUsers([id]);
    return this.getUser(id);
  }

  async listUsers(query: ListUsersQueryDto): Promise<UserPageDto> {
    const qb = this.dataSource.getRepository(User).createQueryBuilder('u');
    if (query.group !== undefined) {
      qb.innerJoin(Membership, 'm', 'm.user_id = u.id').innerJoin(
        Group,
        'g',
        'g.id = m.group_id AND lower(g.name) = lower(:group)',
        { group: query.group },
      );
    }
    if (query.search !== undefined) {
      qb.andWhere("(u.username ILIKE :search ESCAPE '\\' OR u.email ILIKE :search ESCAPE '\\')", {
        search: containsPattern(query.search),
      });
    }
    const [users, total] = await qb
      .orderBy('lower(u.username)')
      .limit(query.limit)
      .offset(query.offset)
      .getManyAndCount();
    const groups = await this.groupNamesOf(users.map((u) => u.id));
    return {
      items: users.map((u) => toUserDto(u, groups.get(u.id) ?? [])),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }

  async getUser(id: string): Promise<UserDto> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id });
    if (!user) throw new NotFoundException(`No user with id ${id}`);
    const groups = await this.groupNamesOf([id]);
    return toUserDto(user, groups.get(id) ?? []);
  }

  async updateUser(id: string, input: UpdateUserDto): Promise<UserDto> {
    await this.dataSource.transaction(async (tx) => {
      const user = await tx.findOneBy(User, { id });
      if (!user) throw new NotFoundException(`No user with id ${id}`);
      if (
        input.username !== undefined &&
        input.username.toLowerCase() !== user.username.toLowerCase()
      ) {
        await this.assertUsernameFree(tx, input.username);
      }
      if (input.email && input.email.toLowerCase() !== user.email?.toLowerCase()) {
        await this.assertEmailFree(tx, input.email);
      }
      await tx.update(
        User,
        { id },
        {
          ...(input.username !== undefined && { username: input.username }),
          ...(input.email !== undefined && { email: input.email }),
          ...(input.displayName !== undefined && { displayName: input.displayName }),
          ...(input.disabled !== undefined && { disabled: input.disabled }),
        },
      );
      if (input.disabled === true) await assertUsableAdminRemains(tx, this.config.adminGroup);
    });
    await this.invalidate.users([id]);
    return this.getUser(id);
  }

  async deleteUser(id: string): Promise<void> {
    const keyIds = await this.invalidate.keyIdsOfUsers([id]);
    await this.dataSource.transaction(async (tx) => {
      const result = await tx.delete(User, { id });
      if (!result.affected) throw new NotFoundException(`No user with id ${id}`);
      await assertUsableAdminRemains(tx, this.config.adminGroup);
    });
    await this.invalidate.keyIds(keyIds);
    await this.invalidate.announceUsers([id]);
  }

  async createGroup(input: CreateGroupDto): Promise<GroupDto> {
    const id = await this.dataSource.transaction(async (tx) => {
      await this.assertGroupNameFree(tx, input.name);
      const group = tx.create(Group, {
        id: randomUUID(),
        name: input.name,
        description: input.description ?? null,
        ...rateLimitColumns(input.rateLimit ?? null),
      });
      await tx.insert(Group, group);
      return group.id;
    });
    return this.getGroup(id);
  }

  async listGroups(page: ListGroupsQueryDto): Promise<GroupPageDto> {
    const qb = this.dataSource.getRepository(Group).createQueryBuilder('g');
    if (page.search !== undefined) {
      qb.where("g.name ILIKE :search ESCAPE '\\'", { search: containsPattern(page.search) });
    }
    const [groups, total] = await qb
      .orderBy('lower(g.name)')
      .limit(page.limit)
      .offset(page.offset)
      .getManyAndCount();
    const counts = await this.memberCounts(groups.map((g) => g.id));
    return {
      items: groups.map((g) => toGroupDto(g, counts.get(g.id) ?? 0)),
      total,
      limit: page.limit,
      offset: page.offset,
    };
  }

  async getGroup(id: string): Promise<GroupDto> {
    const group = await this.dataSource.getRepository(Group).findOneBy({ id });
    if (!group) throw new NotFoundException(`No group with id ${id}`);
    const counts = await this.memberCounts([id]);
    return toGroupDto(group, counts.get(id) ?? 0);
  }

  async updateGroup(id: string, input: UpdateGroupDto): Promise<GroupDto> {
    const group = await this.dataSource.getRepository(Group).findOneBy({ id });
    if (!group) throw new NotFoundException(`No group with id ${id}`);
    const renaming = input.name !== undefined && input.name !== group.name;
    const change = async (tx: EntityManager) => {
      if (input.name !== undefined && input.name.toLowerCase() !== group.name.toLowerCase()) {
        await this.assertGroupNameFree(tx, input.name);
      }
      await tx.update(
        Group,
        { id },
        {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.description !== undefined && { description: input.description }),
          ...rateLimitColumns(input.rateLimit),
        },
      );
      if (renaming) {
        await renameGroupInRules(tx, group.name, input.name!);
        // Renaming the admins group takes every admin's rights away.
        await assertUsableAdminRemains(tx, this.config.adminGroup);
      }
    };
    // A rename reaches the rules that name the group: a policy change like any other.
    if (renaming) await this.settings.changePolicy(change);
    else await this.dataSource.transaction(change);
    await this.invalidate.users(await this.memberIds(id));
    return this.getGroup(id);
  }

  /** Refused (409) while a rule names the group: dropping it could open or lock the API. */
  async deleteGroup(id: string): Promise<void> {
    const group = await this.dataSource.getRepository(Group).findOneBy({ id });
    if (!group) throw new NotFoundException(`No group with id ${id}`);
    const rules = await rulesNaming(this.dataSource.manager, group.name);
    if (rules.length > 0) {
      throw new ProblemException(
        409,
        `Rules name the group "${group.name}": remove it from them first (${rules.join(', ')})`,
        { type: PROBLEM_TYPES.conflict, title: 'The group is in use' },
      );
    }
    const members = await this.memberIds(id);
    await this.dataSource.transaction(async (tx) => {
      const result = await tx.delete(Group, { id });
      if (!result.affected) throw new NotFoundException(`No group with id ${id}`);
      await assertUsableAdminRemains(tx, this.config.adminGroup);
    });
    await this.invalidate.users(members);
  }

  async listMembers(groupId: string, page: PageQueryDto): Promise<UserPageDto> {
    const group = await this.dataSource.getRepository(Group).findOneBy({ id: groupId });
    if (!group) throw new NotFoundException(`No group with id ${groupId}`);
    return this.listUsers({ ...page, group: group.name });
  }

  /** Idempotent: adding a member twice leaves one membership. */
  async addMember(groupId: string, userId: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await this.requireGroupAndUser(tx, groupId, userId);
      await tx
        .createQueryBuilder()
        .insert()
        .into(Membership)
        .values({ userId, groupId })
        .orIgnore()
        .execute();
    });
    await this.invalidate.users([userId]);
  }

  async removeMember(groupId: string, userId: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await this.requireGroupAndUser(tx, groupId, userId);
      const result = await tx.delete(Membership, { groupId, userId });
      if (!result.affected) throw new NotFoundException('The user is not a member of this group');
      await assertUsableAdminRemains(tx, this.config.adminGroup);
    });
    await this.invalidate.users([userId]);
  }

  /** Group names per user id, in one query. */
  async groupNamesOf(userIds: string[]): Promise<Map<string, string[]>> {
    const names = new Map<string, string[]>();
    if (userIds.length === 0) return names;
    const rows: { user_id: string; name: string }[] = await this.dataSource.query(
      `SELECT m.user_id, g.name FROM memberships m JOIN groups g ON g.id = m.group_id
        WHERE m.user_id = ANY($1) ORDER BY lower(g.name)`,
      [userIds],
    );
    for (const row of rows) names.set(row.user_id, [...(names.get(row.user_id) ?? []), row.name]);
    return names;
  }

  private async memberIds(groupId: string): Promise<string[]> {
    const rows: { user_id: string }[] = await this.dataSource.query(
      'SELECT user_id FROM memberships WHERE group_id = $1',
      [groupId],
    );
    return rows.map((r) => r.user_id);
  }

  private async memberCounts(groupIds: string[]): Promise<Map<string, number>> {
    if (groupIds.length === 0) return new Map();
    const rows: { group_id: string; count: string }[] = await this.dataSource.query(
      'SELECT group_id, count(*) AS count FROM memberships WHERE group_id = ANY($1) GROUP BY group_id',
      [groupIds],
    );
    return new Map(rows.map((r) => [r.group_id, Number(r.count)]));
  }

  private async groupsByName(tx: EntityManager, names: string[]): Promise<Group[]> {
    const unique = [...new Set(names.map((n) => n.toLowerCase()))];
    if (unique.length === 0) return [];
    const groups = await tx
      .createQueryBuilder(Group, 'g')
      .where('lower(g.name) IN (:...names)', { names: unique })
      .getMany();
    const found = new Set(groups.map((g) => g.name.toLowerCase()));
    const missing = unique.filter((n) => !found.has(n));
    if (missing.length > 0) {
      throw new ProblemException(400, `No such group: ${missing.join(', ')}`, {
        type: PROBLEM_TYPES.validation,
        errors: missing.map(() => ({
          pointer: '#/groups',
          detail: 'names a group that does not exist',
        })),
      });
    }
    return groups;
  }

  private async requireGroupAndUser(tx: EntityManager, groupId: string, userId: string) {
    if (!(await tx.existsBy(Group, { id: groupId }))) {
      throw new NotFoundException(`No group with id ${groupId}`);
    }
    if (!(await tx.existsBy(User, { id: userId }))) {
      throw new NotFoundException(`No user with id ${userId}`);
    }
  }

  private async assertUsernameFree(tx: EntityManager, username: string) {
    const taken = await tx
      .createQueryBuilder(User, 'u')
      .where('lower(u.username) = lower(:username)', { username })
      .getExists();
    if (taken) throw new ConflictException(`The username "${username}" is taken`);
  }

  private async assertEmailFree(tx: EntityManager, email: string) {
    const taken = await tx
      .createQueryBuilder(User, 'u')
      .where('lower(u.email) = lower(:email)', { email })
      .getExists();
    if (taken) throw new ConflictException(`Another user has the email "${email}"`);
  }

  private async assertGroupNameFree(tx: EntityManager, name: string) {
    const taken = await tx
      .createQueryBuilder(Group, 'g')
      .where('lower(g.name) = lower(:name)', { name })
      .getExists();
    if (taken) throw new ConflictException(`A group named "${name}" exists`);
  }
}

function toUserDto(user: User, groups: string[]): UserDto {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    displayName: user.displayName,
    disabled: user.disabled,
    groups,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

function toGroupDto(group: Group, memberCount: number): GroupDto {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    memberCount,
    rateLimit: rateLimitText(group),
    createdAt: group.createdAt.toISOString(),
    updatedAt: group.updatedAt.toISOString(),
  };
}
