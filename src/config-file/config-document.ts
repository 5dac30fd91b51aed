import type { DefaultEffect, Requirements, RuleEffect } from '../policies/rules/rule.js';

/**
 * The declarative configuration file (schema/portcullis-config.schema.json). A section that is
 * absent is left alone by `apply`; a section that is present, even empty, is the whole truth for
 * its kind. Users, memberships and keys are never part of it.
 */
export interface ConfigDocument {
  version: 1;
  settings?: SettingsSection;
  groups?: GroupEntry[];
  /** The ordered rules: the order in the file is the order applied. */
  rules?: RuleEntry[];
  defaultRule?: DefaultRuleEntry;
  /** Replaced by `rules`: still read, and translated into rules (see plan/legacy-sections.ts). */
  pathRules?: PathRuleEntry[];
  /** Replaced by `rules`, like pathRules. */
  accessRules?: AccessRuleEntry[];
  providers?: ProviderEntry[];
}

export interface SettingsSection {
  enabled?: boolean;
  disablePasswordBasicAuth?: boolean;
  allowSelfServiceKeys?: boolean;
  maxKeyLifetime?: string | null;
  maxActiveKeysPerUser?: number | null;
  trustedProxies?: string[];
  identityHeaderStyle?: string;
}

export interface GroupEntry {
  name: string;
  description?: string | null;
  /** The group's request quota, "600 per minute"; absent or null: none. */
  rateLimit?: string | null;
}

/** A rule, in the shape the admin API takes (POST /v1/admin/rules); absent lists mean "any". */
export interface RuleEntry {
  name: string;
  match?: { hosts?: string[]; paths?: string[]; methods?: string[] };
  effect: RuleEffect;
  require?: Requirements[];
  description?: string | null;
  /** The named rule set it belongs to; absent or null: the global list. */
  ruleSet?: string | null;
}

export interface DefaultRuleEntry {
  effect: DefaultEffect;
  require?: Requirements[];
}

export interface PathRuleEntry {
  pattern: string;
  access: 'public' | 'restricted' | 'bypass';
  methods?: string[];
  host?: string | null;
  description?: string | null;
}

export interface AccessRuleEntry {
  host?: string | null;
  allowedIps?: string[];
  allowedGroups?: string[];
  readOnlyGroups?: string[];
  fullAccessGroups?: string[];
  description?: string | null;
}

/** A client secret is only ever named, as an environment variable, never written out. */
export interface SecretReference {
  env: string;
}

export interface ProviderEntry {
  name: string;
  preset: string;
  parameters?: Record<string, string>;
  /** Create-time only: read OpenID discovery (default true). */
  discover?: boolean;
  issuer?: string | null;
  authorizationEndpoint?: string | null;
  tokenEndpoint?: string | null;
  userinfoEndpoint?: string | null;
  jwksUri?: string | null;
  introspectionEndpoint?: string | null;
  clientId: string;
  clientSecret?: SecretReference | null;
  scope?: string;
  validation?: string;
  audience?: string | null;
  strictJwt?: boolean;
  usernameAttribute?: string;
  matchBy?: string;
  groupsAttribute?: string | null;
  scopeClaim?: string | null;
  groupsMode?: string;
  provisionUsers?: boolean;
  enabled?: boolean;
  consoleSignIn?: boolean;
  position?: number;
}

/** The provider fields compared and sent as they are (all but name, preset, discover, secret). */
export const PROVIDER_FIELDS = [
  'parameters',
  'issuer',
  'authorizationEndpoint',
  'tokenEndpoint',
  'userinfoEndpoint',
  'jwksUri',
  'introspectionEndpoint',
  'clientId',
  'scope',
  'validation',
  'audience',
  'strictJwt',
  'usernameAttribute',
  'matchBy',
  'groupsAttribute',
  'scopeClaim',
  'groupsMode',
  'provisionUsers',
  'enabled',
  'consoleSignIn',
  'position',
] as const satisfies readonly (keyof ProviderEntry)[];

export const SETTINGS_FIELDS = [
  'enabled',
  'disablePasswordBasicAuth',
  'allowSelfServiceKeys',
  'maxKeyLifetime',
  'maxActiveKeysPerUser',
  'trustedProxies',
  'identityHeaderStyle',
] as const satisfies readonly (keyof SettingsSection)[];

/** The environment variable `export` names for a provider's secret: `Corporate Okta` -> CORPORATE_OKTA_CLIENT_SECRET. */
export function secretVariableFor(providerName: string): string {
  const stem = providerName
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${/^[0-9]/.test(stem) ? 'PROVIDER_' : ''}${stem}_CLIENT_SECRET`;
}
