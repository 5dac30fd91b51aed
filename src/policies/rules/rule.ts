/**
 * The authorization rule model: an ordered list of rules, the first that matches a request
 * deciding it, and a default rule that ends the list. See docs/authorization.md.
 */

export const RULE_EFFECTS = ['public', 'bypass', 'deny', 'authenticated'] as const;
/**
 * `public`: anonymous callers pass (the rule's IP ranges still apply); a credential that is sent
 * is verified, and its caller must meet the rule's requirements.
 * `bypass`: passed on unchecked, for the upstream's own authentication.
 * `deny`: refused, whoever asks.
 * `authenticated`: a valid credential whose caller meets the rule's requirements.
 */
export type RuleEffect = (typeof RULE_EFFECTS)[number];

/** What the default rule (the end of the list) may do with a request no rule matched. */
export const DEFAULT_EFFECTS = ['authenticated', 'deny'] as const;
export type DefaultEffect = (typeof DEFAULT_EFFECTS)[number];

/** The name decisions cite when no rule matched. */
export const DEFAULT_RULE_NAME = 'default';

/** Which requests a rule applies to; an empty list means "any". */
export interface RuleMatch {
  /** Host names or patterns (policies/host-pattern.ts), lower case. */
  hosts: readonly string[];
  /** Path patterns (policies/path-pattern.ts). */
  paths: readonly string[];
  /** Upper-case methods. */
  methods: readonly string[];
}

/** A condition on a provider token's claim, found by a dotted path such as `realm_access.roles`. */
export type ClaimCondition =
  | { claim: string; equals: string | number | boolean }
  | { claim: string; oneOf: readonly (string | number | boolean)[] }
  /** The claim is an array holding this value, or a space-separated string holding this word. */
  | { claim: string; contains: string };

/**
 * What a caller must have. Every field that is set must hold; an empty or absent field asks for
 * nothing. Group names are compared without regard to case.
 */
export interface Requirements {
  /** Client addresses and CIDR ranges. On a public rule they apply to anonymous callers too. */
  ipRanges?: readonly string[];
  /** In at least one of these groups. */
  anyGroups?: readonly string[];
  /** In every one of these groups. */
  allGroups?: readonly string[];
  /** Members of these groups may only read (GET, HEAD, OPTIONS)... */
  readOnlyGroups?: readonly string[];
  /** ...unless they are also in one of these. */
  fullAccessGroups?: readonly string[];
  /** Every one of these scopes, from the key or the provider token. */
  scopes?: readonly string[];
  /** Conditions on a provider token's claims; keys have no claims, so they fail them. */
  claims?: readonly ClaimCondition[];
}

/** One rule of the ordered list. */
export interface RuleSpec {
  /** Stable and unique: decisions, logs and metrics cite it. */
  name: string;
  match: RuleMatch;
  effect: RuleEffect;
  /**
   * For `public` and `authenticated`: requirement blocks, every one of which must hold (usually
   * one; rules migrated from host-wide access rules carry one per access rule).
   */
  require: readonly Requirements[];
  description?: string | null;
  /**
   * The named rule set the rule belongs to (chosen per route by Envoy's `context_extensions` or
   * the proxy endpoint's path); absent or null: the global list.
   */
  ruleSet?: string | null;
}

/** The rule that ends the list: no match, so it decides whatever no other rule matched. */
export interface DefaultRuleSpec {
  effect: DefaultEffect;
  require: readonly Requirements[];
}

/** The whole policy: rules in order, then the default. */
export interface RuleList {
  rules: readonly RuleSpec[];
  defaultRule: DefaultRuleSpec;
}

/** Today's behaviour: anything no rule matched needs a valid credential and nothing more. */
export const AUTHENTICATED_BY_DEFAULT: DefaultRuleSpec = { effect: 'authenticated', require: [] };

/** Rule names: short, readable in a log line and a URL, case-sensitive. */
export const RULE_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$/;
