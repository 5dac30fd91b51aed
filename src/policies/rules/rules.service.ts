import { Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { PROBLEM_TYPES, ProblemException, type InvalidField } from '../../common/problem.js';
import { Group } from '../../directory/group.entity.js';
import { Settings } from '../../settings/settings.entity.js';
import { SettingsService } from '../../settings/settings.service.js';
import { lintRules } from './rule-lint.js';
import { RuleDecider } from './rule-decider.js';
import { RuleBook } from './rule-book.js';
import { Rule } from './rule.entity.js';
import {
  AUTHENTICATED_BY_DEFAULT,
  DEFAULT_RULE_NAME,
  type ClaimCondition,
  type DefaultRuleSpec,
  type Requirements,
  type RuleSpec,
} from './rule.js';
import type {
  CreateRuleDto,
  CreateRuleRequestDto,
  DefaultRuleDto,
  DefaultRuleViewDto,
  LintResultDto,
  ReplaceRulesDto,
  RequirementsDto,
  RuleChangeDto,
  RuleDto,
  RuleListDto,
  RulePlacementDto,
  UpdateRuleDto,
} from './rules.dto.js';

const SETTINGS_ID = 1;
const GROUP_FIELDS = ['anyGroups', 'allGroups', 'readOnlyGroups', 'fullAccessGroups'] as const;

/** A rule as stored: its spec, and the row's id and dates once it has been written. */
interface StoredRule {
  id: string | null;
  spec: RuleSpec;
  createdAt?: Date;
  updatedAt?: Date;
}

/** The list being changed inside a transaction. */
interface Draft {
  rules: StoredRule[];
  defaultRule: DefaultRuleSpec;
}

/**
 * The ordered rules: stored in PostgreSQL, compiled into a RuleDecider that the decision path
 * reads from memory. Every change takes the settings row's lock, rewrites the list in one
 * transaction, and shares the settings version, so every instance recompiles.
 */
@Injectable()
export class RulesService implements OnModuleInit {
  private decider = new RuleDecider(
    RuleBook.compile({ rules: [], defaultRule: AUTHENTICATED_BY_DEFAULT }),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: SettingsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.load();
    this.settings.addPolicyPart(() => this.load());
  }

  /** The rules in force on this instance. */
  current(): RuleDecider {
    return this.decider;
  }

  private async load(): Promise<void> {
    const { draft } = await this.read(this.dataSource.manager);
    this.decider = new RuleDecider(
      RuleBook.compile({
        rules: draft.rules.map((r) => r.spec),
        defaultRule: draft.defaultRule,
      }),
    );
  }

  async list(): Promise<RuleListDto> {
    const { draft, version } = await this.read(this.dataSource.manager);
    return listDto(draft, version);
  }

  async get(name: string): Promise<RuleDto> {
    const { draft } = await this.read(this.dataSource.manager);
    const index = indexOf(draft, name);
    return ruleDto(draft.rules[index]!, index);
  }

  async create(input: CreateRuleRequestDto): Promise<RuleChangeDto> {
    const { before, after, ...rule } = input;
    return this.changeOne(input.name, async (draft, manager) => {
      const spec = await this.specOf(manager, rule, '');
      assertNameFree(draft, spec.name);
      draft.rules.splice(placeOf(draft, { before, after }), 0, { id: null, spec });
    });
  }

  async update(name: string, input: UpdateRuleDto): Promise<RuleChangeDto> {
    return this.changeOne(input.name ?? name, async (draft, manager) => {
      const index = indexOf(draft, name);
      const old = draft.rules[index]!;
      const merged: CreateRuleDto = {
        ...specAsInput(old.spec),
        ...definedOnly(input),
        match: {
          hosts: [...old.spec.match.hosts],
          paths: [...old.spec.match.paths],
          methods: [...old.spec.match.methods],
          ...definedOnly(input.match ?? {}),
        },
      };
      if (merged.name !== name) assertNameFree(draft, merged.name);
      draft.rules[index] = { ...old, spec: await this.specOf(manager, merged, '') };
    });
  }

  async move(name: string, placement: RulePlacementDto): Promise<RuleChangeDto> {
    return this.changeOne(name, async (draft) => {
      if (placement.before === name || placement.after === name) {
        throw invalid('A rule cannot move relative to itself', [
          {
            pointer: placement.before === name ? '#/before' : '#/after',
            detail: 'names the rule itself',
          },
        ]);
      }
      const [moved] = draft.rules.splice(indexOf(draft, name), 1);
      draft.rules.splice(placeOf(draft, placement), 0, moved!);
    });
  }

  async delete(name: string): Promise<void> {
    await this.change(async (draft) => {
      draft.rules.splice(indexOf(draft, name), 1);
    });
  }

  /** Replaces the whole list (and the default rule, when given), if `ifMatch` is its version. */
  async replace(input: ReplaceRulesDto, ifMatch: number): Promise<RuleListDto> {
    return this.change(async (draft, manager, version) => {
      if (version !== ifMatch) {
        throw new ProblemException(
          412,
          `The rules changed since version ${ifMatch}: they are at version ${version}. Read them ` +
            'again, and send your change with the new version in If-Match.',
          { title: 'The rules changed meanwhile' },
        );
      }
      const byName = new Map(draft.rules.map((rule) => [rule.spec.name, rule]));
      const seen = new Map<string, number>();
      const errors: InvalidField[] = [];
      const rules: StoredRule[] = [];
      for (const [index, rule] of input.rules.entries()) {
        const first = seen.get(rule.name);
        if (first !== undefined) {
          errors.push({
            pointer: `#/rules/${index}/name`,
            detail: `repeats the name of rule ${first}`,
          });
        }
        seen.set(rule.name, index);
        const spec = await this.specOf(manager, rule, `/rules/${index}`, errors);
        rules.push({ ...(byName.get(rule.name) ?? { id: null }), spec });
      }
      if (errors.length > 0) throw invalid(errorSummary(errors), errors);
      draft.rules = rules;
      if (input.defaultRule !== undefined) {
        draft.defaultRule = await this.defaultSpecOf(manager, input.defaultRule, '/defaultRule');
      }
    }).then(({ draft, version }) => listDto(draft, version));
  }

  async getDefault(): Promise<DefaultRuleViewDto> {
    const { draft } = await this.read(this.dataSource.manager);
    return defaultDto(draft.defaultRule);
  }

  async setDefault(input: DefaultRuleDto): Promise<DefaultRuleViewDto> {
    const { draft } = await this.change(async (draft, manager) => {
      draft.defaultRule = await this.defaultSpecOf(manager, input, '');
    });
    return defaultDto(draft.defaultRule);
  }

  /** Lint warnings for a list that is not stored (the CLI's `rules lint`, apply's plan). */
  lint(input: ReplaceRulesDto): LintResultDto {
    return { warnings: lintRules(input.rules.map((rule) => normalised(rule))) };
  }

  private async changeOne(
    name: string,
    edit: (draft: Draft, manager: EntityManager) => Promise<void>,
  ): Promise<RuleChangeDto> {
    const { draft, version } = await this.change(edit);
    const index = indexOf(draft, name);
    return {
      rule: ruleDto(draft.rules[index]!, index),
      version,
      warnings: lintRules(draft.rules.map((r) => r.spec)),
    };
  }

  /**
   * Reads the list under the settings row's lock, lets `edit` change it, and writes it back: one
   * rule list version after another, however many admins edit at once.
   */
  private async change(
    edit: (draft: Draft, manager: EntityManager, version: number) => Promise<void>,
  ): Promise<{ draft: Draft; version: number }> {
    return this.settings.changePolicy(async (manager) => {
      await manager.query('SELECT 1 FROM settings WHERE id = $1 FOR UPDATE', [SETTINGS_ID]);
      const { draft, version } = await this.read(manager);
      const before = new Map(draft.rules.map((rule, position) => [rule.id!, { rule, position }]));
      await edit(draft, manager, version);
      await this.write(manager, draft, before);
      await manager.query(
        'UPDATE settings SET rules_version = rules_version + 1, default_rule_effect = $2, ' +
          'default_rule_requirements = $3 WHERE id = $1',
        [SETTINGS_ID, draft.defaultRule.effect, JSON.stringify(draft.defaultRule.require)],
      );
      return this.read(manager);
    });
  }

  private async read(manager: EntityManager): Promise<{ draft: Draft; version: number }> {
    const [rows, settings] = await Promise.all([
      manager.getRepository(Rule).find({ order: { position: 'ASC', name: 'ASC' } }),
      manager.getRepository(Settings).findOneByOrFail({ id: SETTINGS_ID }),
    ]);
    return {
      draft: {
        rules: rows.map((row) => ({
          id: row.id,
          createdAt: row.createdAt,
          updatedAt: row.updatedAt,
          spec: {
            name: row.name,
            match: { hosts: row.hosts, paths: row.paths, methods: row.methods },
            effect: row.effect,
            require: row.require,
            description: row.description,
            ruleSet: row.ruleSet,
          },
        })),
        defaultRule: { effect: settings.defaultRuleEffect, require: settings.defaultRuleRequire },
      },
      version: settings.rulesVersion,
    };
  }

  /** Deletes what left the list, inserts what joined it, and updates what moved or changed. */
  private async write(
    manager: EntityManager,
    draft: Draft,
    before: ReadonlyMap<string, { rule: StoredRule; position: number }>,
  ): Promise<void> {
    const kept = new Set(draft.rules.map((rule) => rule.id).filter((id) => id !== null));
    const gone = [...before.keys()].filter((id) => !kept.has(id));
    if (gone.length > 0) await manager.delete(Rule, gone);
    // Names are unique: free the names of rules that changed theirs before taking them.
    const renamed = draft.rules.filter(
      (rule) => rule.id !== null && before.get(rule.id)!.rule.spec.name !== rule.spec.name,
    );
    for (const rule of renamed) {
      await manager.update(Rule, { id: rule.id! }, { name: `~${rule.id}` });
    }
    for (const [position, rule] of draft.rules.entries()) {
      const columns = {
        name: rule.spec.name,
        position,
        effect: rule.spec.effect,
        hosts: [...rule.spec.match.hosts],
        paths: [...rule.spec.match.paths],
        methods: [...rule.spec.match.methods],
        require: rule.spec.require as Requirements[],
        description: rule.spec.description ?? null,
        ruleSet: rule.spec.ruleSet ?? null,
      };
      if (rule.id === null) {
        await manager.insert(Rule, { id: randomUUID(), ...columns });
        continue;
      }
      const old = before.get(rule.id)!;
      if (
        old.position !== position ||
        JSON.stringify(old.rule.spec) !== JSON.stringify(rule.spec)
      ) {
        await manager.update(Rule, { id: rule.id }, columns);
      }
    }
  }

  /** A rule from the API's input: normalised, its requirements checked, group names spelled as stored. */
  private async specOf(
    manager: EntityManager,
    input: CreateRuleDto,
    at: string,
    errors?: InvalidField[],
  ): Promise<RuleSpec> {
    const spec = normalised(input);
    const own = errors ?? [];
    if ((spec.effect === 'bypass' || spec.effect === 'deny') && spec.require.length > 0) {
      own.push({
        pointer: `#${at}/require`,
        detail: `a ${spec.effect} rule has no requirements: it decides without a credential`,
      });
    }
    const require = await this.withGroupNames(manager, spec.require, `${at}/require`, own);
    if (errors === undefined && own.length > 0) throw invalid(errorSummary(own), own);
    return { ...spec, require };
  }

  private async defaultSpecOf(
    manager: EntityManager,
    input: DefaultRuleDto,
    at: string,
  ): Promise<DefaultRuleSpec> {
    const errors: InvalidField[] = [];
    const blocks = (input.require ?? []).map(requirementsOf);
    const require = await this.withGroupNames(manager, blocks, `${at}/require`, errors);
    if (input.effect === 'deny' && require.length > 0) {
      errors.push({ pointer: `#${at}/require`, detail: 'a deny default has no requirements' });
    }
    if (errors.length > 0) throw invalid(errorSummary(errors), errors);
    return { effect: input.effect, require };
  }

  /**
   * The requirement blocks with group names spelled as the groups are. A name that is no group is
   * refused: a typo in an allow list would lock everybody out, and in a read-only list restrict
   * nobody.
   */
  private async withGroupNames(
    manager: EntityManager,
    blocks: readonly Requirements[],
    at: string,
    errors: InvalidField[],
  ): Promise<Requirements[]> {
    const wanted = blocks.flatMap((block) => GROUP_FIELDS.flatMap((field) => block[field] ?? []));
    const groups = wanted.length
      ? await manager
          .createQueryBuilder(Group, 'g')
          .where('lower(g.name) IN (:...names)', { names: wanted.map((n) => n.toLowerCase()) })
          .getMany()
      : [];
    const byLowerName = new Map(groups.map((g) => [g.name.toLowerCase(), g.name]));
    return blocks.map((block, index) => {
      const spelled: Requirements = { ...block };
      for (const field of GROUP_FIELDS) {
        const names = block[field];
        if (names === undefined) continue;
        names.forEach((name, position) => {
          if (!byLowerName.has(name.toLowerCase())) {
            errors.push({
              pointer: `#${at}/${index}/${field}/${position}`,
              detail: `no group is named "${name}"`,
            });
          }
        });
        spelled[field] = [...new Set(names.map((n) => byLowerName.get(n.toLowerCase()) ?? n))];
      }
      return spelled;
    });
  }
}

/** A rule as written by a client, in the stored spelling: hosts lower-case, methods upper-case. */
function normalised(input: CreateRuleDto): RuleSpec {
  const unique = (list: readonly string[] | undefined, spell: (s: string) => string = (s) => s) => [
    ...new Set((list ?? []).map(spell)),
  ];
  return {
    name: input.name,
    match: {
      hosts: unique(input.match?.hosts, (host) => host.toLowerCase()),
      paths: unique(input.match?.paths),
      methods: unique(input.match?.methods, (method) => method.toUpperCase()),
    },
    effect: input.effect,
    require: (input.require ?? []).map(requirementsOf),
    description: input.description ?? null,
    ruleSet: input.ruleSet ?? null,
  };
}

/** A requirement block as the model holds it: no absent or empty fields, so equal blocks compare
 * equal; each claim condition with its one test. */
function requirementsOf(block: RequirementsDto): Requirements {
  const claims = block.claims?.map(({ claim, equals, oneOf, contains }): ClaimCondition =>
    equals !== undefined
      ? { claim, equals }
      : oneOf !== undefined
        ? { claim, oneOf }
        : { claim, contains: contains! },
  );
  return Object.fromEntries(
    Object.entries({ ...block, claims }).filter(
      ([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0),
    ),
  ) as Requirements;
}

function specAsInput(spec: RuleSpec): CreateRuleDto {
  return {
    name: spec.name,
    match: {
      hosts: [...spec.match.hosts],
      paths: [...spec.match.paths],
      methods: [...spec.match.methods],
    },
    effect: spec.effect,
    require: spec.require as CreateRuleDto['require'],
    description: spec.description ?? null,
    ruleSet: spec.ruleSet ?? null,
  };
}

function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

function indexOf(draft: Draft, name: string): number {
  const index = draft.rules.findIndex((rule) => rule.spec.name === name);
  if (index < 0) {
    throw new NotFoundException(
      name === DEFAULT_RULE_NAME
        ? 'The default rule is not in the list: see /v1/admin/default-rule'
        : `No rule named ${name}`,
    );
  }
  return index;
}

function assertNameFree(draft: Draft, name: string): void {
  if (draft.rules.some((rule) => rule.spec.name === name)) {
    throw new ProblemException(409, `A rule named ${name} exists`, {
      type: PROBLEM_TYPES.conflict,
      title: 'The name is taken',
    });
  }
}

/** Where `before` or `after` puts a rule; at the end when neither is given. */
function placeOf(draft: Draft, placement: RulePlacementDto): number {
  if (placement.before !== undefined && placement.after !== undefined) {
    throw invalid('Give before or after, not both', [
      { pointer: '#/after', detail: 'cannot be given with before' },
    ]);
  }
  const target = placement.before ?? placement.after;
  if (target === undefined) return draft.rules.length;
  const index = draft.rules.findIndex((rule) => rule.spec.name === target);
  if (index < 0) {
    const pointer = placement.before !== undefined ? '#/before' : '#/after';
    throw invalid(`No rule named ${target}`, [{ pointer, detail: `no rule is named "${target}"` }]);
  }
  return placement.before !== undefined ? index : index + 1;
}

function invalid(detail: string, errors: InvalidField[]): ProblemException {
  return new ProblemException(400, detail, { type: PROBLEM_TYPES.validation, errors });
}

function errorSummary(errors: InvalidField[]): string {
  return errors.map((error) => `${error.pointer.slice(1)}: ${error.detail}`).join('; ');
}

function ruleDto(rule: StoredRule, index: number): RuleDto {
  const now = new Date().toISOString();
  return {
    name: rule.spec.name,
    position: index + 1,
    match: {
      hosts: [...rule.spec.match.hosts],
      paths: [...rule.spec.match.paths],
      methods: [...rule.spec.match.methods],
    },
    effect: rule.spec.effect,
    require: rule.spec.require as RuleDto['require'],
    description: rule.spec.description ?? null,
    ruleSet: rule.spec.ruleSet ?? null,
    createdAt: rule.createdAt?.toISOString() ?? now,
    updatedAt: rule.updatedAt?.toISOString() ?? now,
  };
}

function defaultDto(rule: DefaultRuleSpec): DefaultRuleViewDto {
  return { effect: rule.effect, require: rule.require as DefaultRuleViewDto['require'] };
}

function listDto(draft: Draft, version: number): RuleListDto {
  const specs = draft.rules.map((rule) => rule.spec);
  return {
    version,
    rules: draft.rules.map(ruleDto),
    defaultRule: defaultDto(draft.defaultRule),
    warnings: lintRules(specs),
  };
}
