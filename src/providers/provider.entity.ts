import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { PresetParameters, ProviderPreset, TokenValidation } from './provider-presets.js';

export type MatchBy = 'username' | 'email';
export type GroupsMode = 'add' | 'replace';

/**
 * An OAuth 2.0 / OpenID Connect identity provider whose access tokens Portcullis accepts, and how a
 * token maps to a local user. The client secret is stored sealed (see crypto/secret-box.ts).
 */
@Entity({ name: 'providers' })
@Index('providers_name_lower_key', { synchronize: false })
export class Provider {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  preset: ProviderPreset;

  @Column({ name: 'preset_parameters', type: 'jsonb', default: () => "'{}'" })
  presetParameters: PresetParameters;

  @Column({ type: 'varchar', length: 500, nullable: true })
  issuer: string | null;

  @Column({ name: 'authorization_endpoint', type: 'varchar', length: 500, nullable: true })
  authorizationEndpoint: string | null;

  @Column({ name: 'token_endpoint', type: 'varchar', length: 500, nullable: true })
  tokenEndpoint: string | null;

  @Column({ name: 'userinfo_endpoint', type: 'varchar', length: 500, nullable: true })
  userinfoEndpoint: string | null;

  @Column({ name: 'jwks_uri', type: 'varchar', length: 500, nullable: true })
  jwksUri: string | null;

  @Column({ name: 'introspection_endpoint', type: 'varchar', length: 500, nullable: true })
  introspectionEndpoint: string | null;

  /** What discovery returned, as shown to the admin; null when not discovered. */
  @Column({ type: 'jsonb', nullable: true })
  discovery: Record<string, unknown> | null;

  @Column({ name: 'discovered_at', type: 'timestamptz', nullable: true })
  discoveredAt: Date | null;

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId: string;

  @Column({ name: 'client_secret_sealed', type: 'text', nullable: true })
  clientSecretSealed: string | null;

  @Column({ type: 'varchar', length: 500 })
  scope: string;

  @Column({ type: 'varchar', length: 16 })
  validation: TokenValidation;

  /** Required in a JWT's `aud` when set. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  audience: string | null;

  /** Require the RFC 9068 claims and `typ: at+jwt` of JWT access tokens. */
  @Column({ name: 'strict_jwt', type: 'boolean', default: false })
  strictJwt: boolean;

  /** A JSON path into the token's claims or userinfo (`email`, `profile.login`). */
  @Column({ name: 'username_attribute', type: 'varchar', length: 200 })
  usernameAttribute: string;

  @Column({ name: 'match_by', type: 'varchar', length: 10 })
  matchBy: MatchBy;

  @Column({ name: 'groups_attribute', type: 'varchar', length: 200, nullable: true })
  groupsAttribute: string | null;

  /**
   * The claim a token's scopes are read from (a space-separated string or an array); null: `scope`,
   * else `scp`.
   */
  @Column({ name: 'scope_claim', type: 'varchar', length: 200, nullable: true })
  scopeClaim: string | null;

  /** Groups from the token are added to the user's local groups, or replace them. */
  @Column({ name: 'groups_mode', type: 'varchar', length: 10, default: 'add' })
  groupsMode: GroupsMode;

  /** Create the local user on first sight of a token for an unknown one. */
  @Column({ name: 'provision_users', type: 'boolean', default: false })
  provisionUsers: boolean;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** Offered on the web console's sign-in page ("Sign in with <name>"). */
  @Column({ name: 'console_sign_in', type: 'boolean', default: false })
  consoleSignIn: boolean;

  /** Providers are tried in this order (then by name). */
  @Column({ type: 'integer', default: 100 })
  position: number;

  /** The attribute paths seen by the last test flow or preview, to check the username attribute. */
  @Column({ name: 'last_attributes', type: 'jsonb', nullable: true })
  lastAttributes: string[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
