import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Who may use the API (on one host, or all): every rule that applies to a request must pass.
 * Groups are referred to by name; an empty list restricts nothing.
 */
@Entity({ name: 'access_rules' })
export class AccessRule {
  @PrimaryColumn('uuid')
  id: string;

  /** Host or host pattern the rule is limited to; null means every host. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  host: string | null;

  /** Client addresses and CIDR ranges allowed; empty allows any. */
  @Column({ name: 'allowed_ips', type: 'text', array: true, default: () => "'{}'" })
  allowedIps: string[];

  /** Only members of one of these groups may use the API; empty allows every user. */
  @Column({ name: 'allowed_groups', type: 'text', array: true, default: () => "'{}'" })
  allowedGroups: string[];

  /** Members may only read (GET, HEAD, OPTIONS)... */
  @Column({ name: 'read_only_groups', type: 'text', array: true, default: () => "'{}'" })
  readOnlyGroups: string[];

  /** ...unless they are also members of one of these. */
  @Column({ name: 'full_access_groups', type: 'text', array: true, default: () => "'{}'" })
  fullAccessGroups: string[];

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
