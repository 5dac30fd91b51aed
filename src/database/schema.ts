import { ApiKey } from '../keys/api-key.entity.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { Initial1795868031544 } from './migrations/1795868031544-Initial.js';
import { AccessRules1795893488571 } from './migrations/1795893488571-AccessRules.js';
import { ProviderConsoleSignIn1795900000000 } from './migrations/1795900000000-ProviderConsoleSignIn.js';
import { Providers1795894629552 } from './migrations/1795894629552-Providers.js';
import { Quotas1795900000001 } from './migrations/1795900000001-Quotas.js';
import { OrderedRules1796208730974 } from './migrations/1796208730974-OrderedRules.js';
import { KeyScopesAndRoutes1796212000000 } from './migrations/1796212000000-KeyScopesAndRoutes.js';
import { RuleSets1796300000000 } from './migrations/1796300000000-RuleSets.js';
import { AuditEvents1795873574661 } from './migrations/1795873574661-AuditEvents.js';
import { MaxActiveKeysPerUser1795873161737 } from './migrations/1795873161737-MaxActiveKeysPerUser.js';
import { RefusePasswordBasicByDefault1795872802640 } from './migrations/1795872802640-RefusePasswordBasicByDefault.js';
import { IntrospectionClients1795869130354 } from './migrations/1795869130354-IntrospectionClients.js';
import { Group } from '../directory/group.entity.js';
import { IntrospectionClient } from '../introspection/introspection-client.entity.js';
import { Membership } from '../directory/membership.entity.js';
import { Rule } from '../policies/rules/rule.entity.js';
import { Provider } from '../providers/provider.entity.js';
import { Settings } from '../settings/settings.entity.js';
import { User } from '../directory/user.entity.js';

/** Every entity, listed explicitly: ESM builds cannot be globbed reliably. */
export const ENTITIES = [
  User,
  Group,
  Membership,
  ApiKey,
  Settings,
  IntrospectionClient,
  AuditEvent,
  Rule,
  Provider,
];

/** Every migration, oldest first. Add new ones at the end. */
export const MIGRATIONS = [
  Initial1795868031544,
  IntrospectionClients1795869130354,
  RefusePasswordBasicByDefault1795872802640,
  MaxActiveKeysPerUser1795873161737,
  AuditEvents1795873574661,
  AccessRules1795893488571,
  Providers1795894629552,
  ProviderConsoleSignIn1795900000000,
  Quotas1795900000001,
  OrderedRules1796208730974,
  KeyScopesAndRoutes1796212000000,
  RuleSets1796300000000,
];
