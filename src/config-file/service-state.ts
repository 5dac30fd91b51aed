import { listAll, type AdminApi } from '../admin-client/admin-api.js';
import type { DefaultEffect, Requirements, RuleEffect } from '../policies/rules/rule.js';

export interface GroupState {
  id: string;
  name: string;
  description: string | null;
  memberCount: number;
  /** Absent from services older than quotas. */
  rateLimit?: string | null;
}

/** A rule as GET /v1/admin/rules shows it. */
export interface RuleState {
  name: string;
  position: number;
  match: { hosts: string[]; paths: string[]; methods: string[] };
  effect: RuleEffect;
  require: Requirements[];
  description: string | null;
  /** Absent from services older than rule sets. */
  ruleSet?: string | null;
}

/** The whole ordered list, and its version: apply replaces the list only if it is still this one. */
export interface RuleListState {
  version: number;
  rules: RuleState[];
  defaultRule: { effect: DefaultEffect; require: Requirements[] };
}

export interface ProviderState {
  id: string;
  name: string;
  preset: string;
  parameters: Record<string, string>;
  hasClientSecret: boolean;
  discovery: Record<string, unknown> | null;
  [field: string]: unknown;
}

/** What the service holds now, of what a configuration file describes. */
export interface ServiceState {
  settings: Record<string, unknown>;
  groups: GroupState[];
  rules: RuleListState;
  providers: ProviderState[];
  /** The groups of the admin applying: removing one of them would lock them out. */
  callerGroups: string[];
}

export async function readServiceState(api: AdminApi): Promise<ServiceState> {
  const [settings, groups, rules, providers, me] = await Promise.all([
    api.request<Record<string, unknown>>('GET', '/v1/admin/settings'),
    listAll<GroupState>(api, '/v1/admin/groups'),
    api.request<RuleListState>('GET', '/v1/admin/rules'),
    listAll<ProviderState>(api, '/v1/admin/providers'),
    api.request<{ groups: string[] }>('GET', '/v1/me'),
  ]);
  return { settings, groups, rules, providers, callerGroups: me.groups };
}
