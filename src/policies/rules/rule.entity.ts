import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import type { Requirements, RuleEffect } from './rule.js';

/** One rule of the ordered list (see rule.ts); the list's end, the default rule, is a setting. */
@Entity({ name: 'rules' })
@Unique('rules_name_unique', ['name'])
@Check('rules_effect_check', `"effect" IN ('public', 'bypass', 'deny', 'authenticated')`)
export class Rule {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** Place in the list, lowest first; rewritten densely (0, 1, 2, ...) on every change. */
  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'varchar', length: 16 })
  effect: RuleEffect;

  /** Lower-case host names or patterns; empty means every host. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  hosts: string[];

  /** Path patterns; empty means every path. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  paths: string[];

  /** Upper-case methods; empty means every method. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  methods: string[];

  /** Requirement blocks, every one of which must hold. */
  @Column({ name: 'requirements', type: 'jsonb', default: () => "'[]'" })
  require: Requirements[];

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  /** The named rule set the rule belongs to; null: the global list. */
  @Column({ name: 'rule_set', type: 'varchar', length: 100, nullable: true })
  ruleSet: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
