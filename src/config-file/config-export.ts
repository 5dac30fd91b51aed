import { stringify } from 'yaml';
import {
  PROVIDER_FIELDS,
  SETTINGS_FIELDS,
  secretVariableFor,
  type AccessRuleEntry,
  type ConfigDocument,
  type PathRuleEntry,
  type ProviderEntry,
} from './config-document.js';
import type { ServiceState } from './service-state.js';

const HEADER =
  '# Portcullis configuration, written by `portcullis export`.\n' +
  '# Apply with `portcullis apply -f <file>`; schema: schema/portcullis-config.schema.json.\n' +
  '# Client secrets are named as environment variables, never written out; keys, users and\n' +
  '# memberships are not part of this file.\n';

/**
 * The configuration the service holds, as a file: rules in the order the service keeps them,
 * providers in the order they are tried, groups by name. Defaults of rules are left out (absent
 * means the default there); providers are written in full, since an absent provider field means
 * "leave it as it is".
 */
export function exportDocument(state: ServiceState): ConfigDocument {
  return {
    version: 1,
    settings: Object.fromEntries(SETTINGS_FIELDS.map((field) => [field, state.settings[field]])),
    groups: [...state.groups]
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()))
      .map((g) => ({
        name: g.name,
        ...(g.description !== null && { description: g.description }),
        ...(g.rateLimit != null && { rateLimit: g.rateLimit }),
      })),
    pathRules: state.pathRules.map((r): PathRuleEntry => ({
      pattern: r.pattern,
      access: r.access,
      ...(r.methods.length > 0 && { methods: r.methods }),
      ...(r.host !== null && { host: r.host }),
      ...(r.description !== null && { description: r.description }),
    })),
    accessRules: state.accessRules.map((r): AccessRuleEntry => ({
      ...(r.host !== null && { host: r.host }),
      ...(r.allowedIps.length > 0 && { allowedIps: r.allowedIps }),
      ...(r.allowedGroups.length > 0 && { allowedGroups: r.allowedGroups }),
      ...(r.readOnlyGroups.length > 0 && { readOnlyGroups: r.readOnlyGroups }),
      ...(r.fullAccessGroups.length > 0 && { fullAccessGroups: r.fullAccessGroups }),
      ...(r.description !== null && { description: r.description }),
    })),
    providers: state.providers.map((p): ProviderEntry => {
      const entry: Record<string, unknown> = { name: p.name, preset: p.preset };
      // Never discovered at the source (no document there): do not ask for discovery elsewhere.
      if (p.discovery === null) entry.discover = false;
      for (const field of PROVIDER_FIELDS) entry[field] = p[field];
      entry.clientSecret = p.hasClientSecret ? { env: secretVariableFor(p.name) } : null;
      return entry as unknown as ProviderEntry;
    }),
  };
}

export function exportYaml(state: ServiceState): string {
  return HEADER + stringify(exportDocument(state), { lineWidth: 0 });
}
