import { stringify } from 'yaml';
import {
  PROVIDER_FIELDS,
  SETTINGS_FIELDS,
  secretVariableFor,
  type ConfigDocument,
  type ProviderEntry,
  type RuleEntry,
} from './config-document.js';
import type { ServiceState } from './service-state.js';

const HEADER =
  '# Portcullis configuration, written by `portcullis export`.\n' +
  '# Apply with `portcullis apply -f <file>`; schema: schema/portcullis-config.schema.json.\n' +
  '# Client secrets are named as environment variables, never written out; keys, users and\n' +
  '# memberships are not part of this file.\n';

/**
 * The configuration the service holds, as a file: rules in their order (the order decides),
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
    rules: state.rules.rules.map((r): RuleEntry => {
      const match = Object.fromEntries(
        Object.entries(r.match).filter(([, list]) => list.length > 0),
      );
      return {
        name: r.name,
        ...(Object.keys(match).length > 0 && { match }),
        effect: r.effect,
        ...(r.require.length > 0 && { require: r.require }),
        ...(r.description !== null && { description: r.description }),
        ...(r.ruleSet != null && { ruleSet: r.ruleSet }),
      };
    }),
    defaultRule: {
      effect: state.rules.defaultRule.effect,
      ...(state.rules.defaultRule.require.length > 0 && {
        require: state.rules.defaultRule.require,
      }),
    },
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
