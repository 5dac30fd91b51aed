import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One change made through the admin or self-service API: who, what, when, from where. */
@Entity({ name: 'audit_events' })
@Index('audit_events_at_idx', ['at'])
@Index('audit_events_actor_idx', ['actorUserId'])
export class AuditEvent {
  @PrimaryColumn('uuid')
  id: string;

  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;

  /** Null for changes made without an API caller (bootstrap). */
  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true })
  actorUserId: string | null;

  @Column({ name: 'actor_username', type: 'varchar', length: 64, nullable: true })
  actorUsername: string | null;

  /** The public id of the key the change was made with. */
  @Column({ name: 'actor_key_id', type: 'varchar', length: 16, nullable: true })
  actorKeyId: string | null;

  /** What was done, as `<resource>.<verb>` (key.create, user.update, settings.update, ...). */
  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'target_id', type: 'varchar', length: 64, nullable: true })
  targetId: string | null;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  /** The request's fields (never a secret: no request body carries one). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;
}
