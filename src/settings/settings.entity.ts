import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { DefaultEffect, Requirements } from '../policies/rules/rule.js';

export const IDENTITY_HEADER_STYLES = ['x-auth', 'oauth2-proxy', 'authelia', 'kong'] as const;
export type IdentityHeaderStyle = (typeof IDENTITY_HEADER_STYLES)[number];

/** The single, versioned record of global switches. Every change bumps `version`. */
@Entity({ name: 'settings' })
@Check('settings_singleton_check', '"id" = 1')
@Check('settings_default_rule_effect_check', `"default_rule_effect" IN ('authenticated', 'deny')`)
export class Settings {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  @Column({ type: 'integer', default: 1 })
  version: number;

  /** Off: every request passes unchecked (a loud warning is logged). */
  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'disable_password_basic_auth', type: 'boolean', default: true })
  disablePasswordBasicAuth: boolean;

  @Column({ name: 'allow_self_service_keys', type: 'boolean', default: false })
  allowSelfServiceKeys: boolean;

  /** Longest key lifetime allowed, as an interval such as "90 days"; null means unbounded. */
  @Column({ name: 'max_key_lifetime', type: 'varchar', length: 32, nullable: true })
  maxKeyLifetime: string | null;

  /** Most keys one user may hold active at once (any issuer); null means no limit. */
  @Column({ name: 'max_active_keys_per_user', type: 'integer', nullable: true })
  maxActiveKeysPerUser: number | null;

  /** Proxies whose X-Forwarded-For entries are believed, as addresses or CIDR ranges. */
  @Column({ name: 'trusted_proxies', type: 'text', array: true, default: () => "'{}'" })
  trustedProxies: string[];

  @Column({ name: 'identity_header_style', type: 'varchar', length: 20, default: 'x-auth' })
  identityHeaderStyle: IdentityHeaderStyle;

  /** What the default rule does with a request no rule matched (policies/rules/rule.ts). */
  @Column({ name: 'default_rule_effect', type: 'varchar', length: 16, default: 'authenticated' })
  defaultRuleEffect: DefaultEffect;

  @Column({ name: 'default_rule_requirements', type: 'jsonb', default: () => "'[]'" })
  defaultRuleRequire: Requirements[];

  /** Bumped by every change to the rules or the default rule: the rule list's ETag. */
  @Column({ name: 'rules_version', type: 'integer', default: 1 })
  rulesVersion: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
