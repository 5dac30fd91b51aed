import { Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { PageQueryDto } from '../common/pagination.js';
import { PROBLEM_TYPES, ProblemException, type InvalidField } from '../common/problem.js';
import { Group } from '../directory/group.entity.js';
import { SettingsService } from '../settings/settings.service.js';
import { AccessRule } from './access-rule.entity.js';
import { PathRule } from './path-rule.entity.js';
import type {
  AccessRuleDto,
  AccessRulePageDto,
  CreateAccessRuleDto,
  CreatePathRuleDto,
  PathRuleDto,
  PathRulePageDto,
  UpdateAccessRuleDto,
  UpdatePathRuleDto,
} from './policies.dto.js';
import { RuleBook } from './rule-book.js';

const GROUP_FIELDS = ['allowedGroups', 'readOnlyGroups', 'fullAccessGroups'] as const;

/**
 * Path rules and access rules: stored in PostgreSQL, compiled into a RuleBook that the decision
 * path reads from memory. Every change shares the settings version, so every instance reloads.
 */
@Injectable()
export class PolicyRulesService implements OnModuleInit {
  private book = RuleBook.EMPTY;

  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: SettingsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.load();
    this.settings.addPolicyPart(() => this.load());
  }

  /** The rules in force on this instance. */
  current(): RuleBook {
    return this.book;
  }

  private async load(): Promise<void> {
    const [pathRules, accessRules] = await Promise.all([
      this.dataSource.getRepository(PathRule).find(),
      this.dataSource.getRepository(AccessRule).find(),
    ]);
    this.book = RuleBook.compile(pathRules, accessRules);
  }

  async listPathRules(page: PageQueryDto): Promise<PathRulePageDto> {
    const [rules, total] = await this.dataSource.getRepository(PathRule).findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items: rules.map(toPathRuleDto), total, limit: page.limit, offset: page.offset };
  }

  async getPathRule(id: string): Promise<PathRuleDto> {
    return toPathRuleDto(await this.findPathRule(this.dataSource.manager, id));
  }

  async createPathRule(input: CreatePathRuleDto): Promise<PathRuleDto> {
    const rule = await this.settings.changePolicy(async (manager) => {
      const created = manager.create(PathRule, {
        id: randomUUID(),
        access: input.access,
        pattern: input.pattern,
        methods: normaliseMethods(input.methods ?? []),
        host: input.host?.toLowerCase() ?? null,
        description: input.description ?? null,
      });
      await manager.insert(PathRule, created);
      return this.findPathRule(manager, created.id);
    });
    return toPathRuleDto(rule);
  }

  async updatePathRule(id: string, input: UpdatePathRuleDto): Promise<PathRuleDto> {
    const rule = await this.settings.changePolicy(async (manager) => {
      await this.findPathRule(manager, id);
      await manager.update(
        PathRule,
        { id },
        {
          ...(input.access !== undefined && { access: input.access }),
          ...(input.pattern !== undefined && { pattern: input.pattern }),
          ...(input.methods !== undefined && { methods: normaliseMethods(input.methods) }),
          ...(input.host !== undefined && { host: input.host?.toLowerCase() ?? null }),
          ...(input.description !== undefined && { description: input.description }),
        },
      );
      return this.findPathRule(manager, id);
    });
    return toPathRuleDto(rule);
  }

  async deletePathRule(id: string): Promise<void> {
    await this.settings.changePolicy(async (manager) => {
      await this.findPathRule(manager, id);
      await manager.delete(PathRule, { id });
    });
  }

  async listAccessRules(page: PageQueryDto): Promise<AccessRulePageDto> {
    const [rules, total] = await this.dataSource.getRepository(AccessRule).findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items: rules.map(toAccessRuleDto), total, limit: page.limit, offset: page.offset };
  }

  async getAccessRule(id: string): Promise<AccessRuleDto> {
    return toAccessRuleDto(await this.findAccessRule(this.dataSource.manager, id));
  }

  async createAccessRule(input: CreateAccessRuleDto): Promise<AccessRuleDto> {
    const rule = await this.settings.changePolicy(async (manager) => {
      const created = manager.create(AccessRule, {
        id: randomUUID(),
        host: input.host?.toLowerCase() ?? null,
        allowedIps: input.allowedIps ?? [],
        ...(await this.groupLists(manager, input)),
        description: input.description ?? null,
      });
      await manager.insert(AccessRule, created);
      return this.findAccessRule(manager, created.id);
    });
    return toAccessRuleDto(rule);
  }

  async updateAccessRule(id: string, input: UpdateAccessRuleDto): Promise<AccessRuleDto> {
    const rule = await this.settings.changePolicy(async (manager) => {
      await this.findAccessRule(manager, id);
      await manager.update(
        AccessRule,
        { id },
        {
          ...(input.host !== undefined && { host: input.host?.toLowerCase() ?? null }),
          ...(input.allowedIps !== undefined && { allowedIps: input.allowedIps }),
          ...(await this.groupLists(manager, input)),
          ...(input.description !== undefined && { description: input.description }),
        },
      );
      return this.findAccessRule(manager, id);
    });
    return toAccessRuleDto(rule);
  }

  async deleteAccessRule(id: string): Promise<void> {
    await this.settings.changePolicy(async (manager) => {
      await this.findAccessRule(manager, id);
      await manager.delete(AccessRule, { id });
    });
  }

  /**
   * The group lists given, spelled as the groups are named. A name that is no group is refused:
   * a typo in an allow list would otherwise lock everybody out, and in a read-only list restrict
   * nobody.
   */
  private async groupLists(
    manager: EntityManager,
    input: UpdateAccessRuleDto,
  ): Promise<Partial<Pick<AccessRule, (typeof GROUP_FIELDS)[number]>>> {
    const wanted = GROUP_FIELDS.flatMap((field) => input[field] ?? []);
    const groups = wanted.length
      ? await manager
          .createQueryBuilder(Group, 'g')
          .where('lower(g.name) IN (:...names)', { names: wanted.map((n) => n.toLowerCase()) })
          .getMany()
      : [];
    const byLowerName = new Map(groups.map((g) => [g.name.toLowerCase(), g.name]));
    const lists: Partial<Record<(typeof GROUP_FIELDS)[number], string[]>> = {};
    const errors: InvalidField[] = [];
    for (const field of GROUP_FIELDS) {
      const names = input[field];
      if (names === undefined) continue;
      names.forEach((name, index) => {
        if (!byLowerName.has(name.toLowerCase())) {
          errors.push({ pointer: `#/${field}/${index}`, detail: `no group is named "${name}"` });
        }
      });
      lists[field] = [...new Set(names.map((name) => byLowerName.get(name.toLowerCase())!))];
    }
    if (errors.length > 0) {
      throw new ProblemException(400, `No such group: ${errors.map((e) => e.detail).join('; ')}`, {
        type: PROBLEM_TYPES.validation,
        errors,
      });
    }
    return lists;
  }

  private async findPathRule(manager: EntityManager, id: string): Promise<PathRule> {
    const rule = await manager.findOneBy(PathRule, { id });
    if (!rule) throw new NotFoundException(`No path rule with id ${id}`);
    return rule;
  }

  private async findAccessRule(manager: EntityManager, id: string): Promise<AccessRule> {
    const rule = await manager.findOneBy(AccessRule, { id });
    if (!rule) throw new NotFoundException(`No access rule with id ${id}`);
    return rule;
  }
}

function normaliseMethods(methods: string[]): string[] {
  return [...new Set(methods.map((method) => method.toUpperCase()))];
}

function toPathRuleDto(rule: PathRule): PathRuleDto {
  return {
    id: rule.id,
    access: rule.access,
    pattern: rule.pattern,
    methods: rule.methods,
    host: rule.host,
    description: rule.description,
    createdAt: rule.createdAt.toISOString(),
    updatedAt: rule.updatedAt.toISOString(),
  };
}

function toAccessRuleDto(rule: AccessRule): AccessRuleDto {
  return {
    id: rule.id,
    host: rule.host,
    allowedIps: rule.allowedIps,
    allowedGroups: rule.allowedGroups,
    readOnlyGroups: rule.readOnlyGroups,
    fullAccessGroups: rule.fullAccessGroups,
    description: rule.description,
    createdAt: rule.createdAt.toISOString(),
    updatedAt: rule.updatedAt.toISOString(),
  };
}
