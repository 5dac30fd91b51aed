import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const PATH_ACCESS = ['public', 'restricted', 'bypass'] as const;
/**
 * `public`: anonymous requests pass (a credential, when sent, is still verified).
 * `restricted`: needs a credential even where a public rule matches (a public path switched off,
 * or a protected part carved out of a public tree).
 * `bypass`: passed without any check, for the upstream's own authentication.
 */
export type PathAccess = (typeof PATH_ACCESS)[number];

/** A rule for requests to some paths (optionally only some methods, on some hosts). */
@Entity({ name: 'path_rules' })
@Check('path_rules_access_check', `"access" IN ('public', 'restricted', 'bypass')`)
export class PathRule {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 12 })
  access: PathAccess;

  /** See policies/path-pattern.ts for the syntax. */
  @Column({ type: 'varchar', length: 1000 })
  pattern: string;

  /** Upper-case methods the rule is limited to; empty means every method. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  methods: string[];

  /** Host or host pattern the rule is limited to; null means every host. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  host: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
