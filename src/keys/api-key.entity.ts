import type { KeyRoute } from '../core/identity.js';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { User } from '../directory/user.entity.js';

export const API_KEY_TYPES = ['bearer', 'basic'] as const;
export type ApiKeyType = (typeof API_KEY_TYPES)[number];

/**
 * An API key. The plaintext is never stored: only its HMAC-SHA-256 under the server secret, looked
 * up through a unique index. `keyId` is the non-secret id embedded in the key itself.
 */
@Entity({ name: 'api_keys' })
@Check('api_keys_type_check', `"type" IN ('bearer', 'basic')`)
@Index('api_keys_owner_id_idx', ['ownerId'])
export class ApiKey {
  @PrimaryColumn('uuid')
  id: string;

  @Index('api_keys_key_id_key', { unique: true })
  @Column({ name: 'key_id', type: 'varchar', length: 16 })
  keyId: string;

  @Index('api_keys_hash_key', { unique: true })
  @Column({ type: 'char', length: 64 })
  hash: string;

  @Column({ type: 'varchar', length: 10 })
  type: ApiKeyType;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id' })
  owner?: User;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ name: 'created_by_id', type: 'uuid', nullable: true })
  createdById: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by_id' })
  createdBy?: User;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** Client addresses and CIDR ranges the key may be used from; empty allows any. */
  @Column({ name: 'allowed_ips', type: 'text', array: true, default: () => "'{}'" })
  allowedIps: string[];

  /** Scopes the key carries, for rules that require them. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes: string[];

  /** Where the key may be used (methods and path patterns); empty: wherever its owner may. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  routes: KeyRoute[];

  /** Request quota: at most rateLimitRequests per rateLimitPeriodSeconds; null: none. */
  @Column({ name: 'rate_limit_requests', type: 'integer', nullable: true })
  rateLimitRequests: number | null;

  @Column({ name: 'rate_limit_period_seconds', type: 'integer', nullable: true })
  rateLimitPeriodSeconds: number | null;
}
