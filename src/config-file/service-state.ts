import { listAll, type AdminApi } from '../admin-client/admin-api.js';

export interface GroupState {
  id: string;
  name: string;
  description: string | null;
  memberCount: number;
  /** Absent from services older than quotas. */
  rateLimit?: string | null;
}

export interface PathRuleState {
  id: string;
  pattern: string;
  access: 'public' | 'restricted' | 'bypass';
  methods: string[];
  host: string | null;
  description: string | null;
}

export interface AccessRuleState {
  id: string;
  host: string | null;
  allowedIps: string[];
  allowedGroups: string[];
  readOnlyGroups: string[];
  fullAccessGroups: string[];
  description: string | null;
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
  pathRules: PathRuleState[];
  accessRules: AccessRuleState[];
  providers: ProviderState[];
  /** The groups of the admin applying: removing one of them would lock them out. */
  callerGroups: string[];
}

export async function readServiceState(api: AdminApi): Promise<ServiceState> {
  const [settings, groups, pathRules, accessRules, providers, me] = await Promise.all([
    api.request<Record<string, unknown>>('GET', '/v1/admin/settings'),
    listAll<GroupState>(api, '/v1/admin/groups'),
    listAll<PathRuleState>(api, '/v1/admin/path-rules'),
    listAll<AccessRuleState>(api, '/v1/admin/access-rules'),
    listAll<ProviderState>(api, '/v1/admin/providers'),
    api.request<{ groups: string[] }>('GET', '/v1/me'),
  ]);
  return { settings, groups, pathRules, accessRules, providers, callerGroups: me.groups };
}
