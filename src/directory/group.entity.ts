import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A named set of users; policies (allowed, read-only, admin) refer to groups by name. */
@Entity({ name: 'groups' })
@Index('groups_name_lower_key', { synchronize: false })
export class Group {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Request quota shared by all the members' keys: at most rateLimitRequests per rateLimitPeriodSeconds; null: none. */
  @Column({ name: 'rate_limit_requests', type: 'integer', nullable: true })
  rateLimitRequests: number | null;

  @Column({ name: 'rate_limit_period_seconds', type: 'integer', nullable: true })
  rateLimitPeriodSeconds: number | null;
}
