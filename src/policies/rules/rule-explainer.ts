import { IpRanges } from '../../core/client-ip.js';
import type { DecisionRequest } from '../../core/decision-request.js';
import type { Caller, TraceStep } from '../../core/policy-evaluator.js';
import { routesAllow } from './key-routes.js';
import { claimHolds, scopesOf, type CompiledRequirements } from './requirements.js';
import type { RuleBook } from './rule-book.js';
import { isPlain, opensPaths, type CompiledRule, type RuleMatcher } from './rule-matcher.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** explainRules for the list that decides the request: the rule set it names, or the global one. */
export function explainRuleBook(
  book: RuleBook,
  request: DecisionRequest,
  caller: Caller | undefined,
): TraceStep[] {
  const matcher = book.matcherFor(request);
  if (request.ruleSet === null) return explainRules(matcher!, request, caller);
  const chosen: TraceStep = {
    step: 'rule set',
    name: request.ruleSet,
    result: matcher === undefined ? 'failed' : 'matched',
    detail:
      matcher === undefined
        ? `no rule belongs to rule set ${request.ruleSet}: refused as unknown_rule_set`
        : `the proxy chose rule set ${request.ruleSet}: its rules decide, then the default rule`,
  };
  return matcher === undefined ? [chosen] : [chosen, ...explainRules(matcher, request, caller)];
}

/**
 * Why the rules decide a request as they do, step by step, for people (`explain` in
 * POST /v1/decisions, the CLI and the console): each rule considered until one matched, and each
 * requirement of that rule against the caller. It reads the rules one by one, as the docs describe
 * them, not through the matcher's index; a test holds the two to the same answers. Never a
 * secret: paths without their query, hosts, methods, names and groups.
 */
export function explainRules(
  matcher: RuleMatcher,
  request: DecisionRequest,
  caller: Caller | undefined,
): TraceStep[] {
  const steps: TraceStep[] = [];
  const match = matcher.firstMatch(request);
  if (match.kind === 'unreadable_path') {
    return [
      {
        step: 'rule',
        name: match.rule.name,
        result: 'matched',
        detail:
          'the path cannot be read (bad percent-encoding or controls), and this rule, which ' +
          'protects paths, might match it: refused as invalid_path rather than guessed',
      },
    ];
  }
  let decider: CompiledRule = matcher.defaultRule;
  for (const rule of matcher.rules) {
    const miss = whyNot(rule, request);
    steps.push({
      step: 'rule',
      name: rule.name,
      result: miss === undefined ? 'matched' : 'not matched',
      detail: miss ?? matchedBecause(rule, request),
    });
    if (miss === undefined) {
      decider = rule;
      break;
    }
  }
  if (decider === matcher.defaultRule) {
    steps.push({
      step: 'rule',
      name: decider.name,
      result: 'matched',
      detail: `no rule matched: the default rule decides (${decider.effect})`,
    });
  }
  if (decider.effect === 'bypass' || decider.effect === 'deny') return steps;
  if (caller === undefined) {
    steps.push({
      step: 'requirement',
      name: 'credential',
      result: 'not reached',
      detail: 'the credential was refused before the rule could be applied',
    });
    return steps;
  }
  return [...steps, ...requirementSteps(decider, request, caller)];
}

/** Why a rule does not match the request, or undefined when it does. */
function whyNot(rule: CompiledRule, request: DecisionRequest): string | undefined {
  const { hosts, methods, paths } = rule.spec.match;
  if (rule.methods !== null && !rule.methods.has(request.method)) {
    return `method ${request.method} is not among ${list(methods)}`;
  }
  if (rule.hosts !== null && !rule.hosts.some((host) => host(request.hostname))) {
    return `host ${request.hostname || '(none)'} is not among ${list(hosts)}`;
  }
  if (rule.paths === null) return undefined;
  const path = request.path;
  if (path === undefined) return 'the path cannot be read (bad percent-encoding or controls)';
  if (opensPaths(rule.effect)) {
    if (!isPlain(request)) {
      return `a ${rule.effect} rule never matches a path that needed normalising (${request.rawPath})`;
    }
    if (!rule.paths.some((pattern) => pattern.matches(path))) {
      return `path ${path} matches none of ${list(paths)}`;
    }
    return undefined;
  }
  if (!rule.paths.some((pattern) => pattern.matchesLoosely(path))) {
    return `path ${path} matches none of ${list(paths)}, even ignoring case and trailing dots`;
  }
  return undefined;
}

function matchedBecause(rule: CompiledRule, request: DecisionRequest): string {
  const parts = [
    rule.methods === null ? 'any method' : `method ${request.method}`,
    rule.hosts === null ? 'any host' : `host ${request.hostname}`,
    rule.paths === null ? 'any path' : `path ${request.path} in ${list(rule.spec.match.paths)}`,
  ];
  return `${parts.join(', ')}: ${rule.effect}`;
}

/** The rule's checks against the caller, in the order the decision makes them. */
function requirementSteps(
  rule: CompiledRule,
  request: DecisionRequest,
  caller: Caller,
): TraceStep[] {
  const steps: TraceStep[] = [];
  const check = (name: string, passed: boolean, detail: string) =>
    steps.push({ step: 'requirement', name, result: passed ? 'passed' : 'failed', detail });
  const identity = caller.kind === 'identified' ? caller.identity : null;
  const who = identity === null ? caller.kind.replace('_', ' ') : identity.username;

  if (caller.kind === 'anonymous') {
    check(
      'credential',
      rule.effect === 'public',
      rule.effect === 'public'
        ? 'no credential: a public rule lets anonymous callers through'
        : `no credential: an ${rule.effect} rule needs one`,
    );
    if (rule.effect !== 'public') return steps;
  }
  for (const block of rule.require) {
    if (block.ipRanges !== null) {
      check(
        'ipRanges',
        block.ipRanges.has(request.clientIp),
        `client ${request.clientIp || '(unknown)'} ${block.ipRanges.has(request.clientIp) ? 'is' : 'is not'} in the rule's ranges`,
      );
    }
  }
  if (identity !== null && identity.credential.allowedIps.length > 0) {
    const allowed = new IpRanges(identity.credential.allowedIps).has(request.clientIp);
    check(
      'key allowedIps',
      allowed,
      `client ${request.clientIp || '(unknown)'} ${allowed ? 'is' : 'is not'} in the credential's own address list`,
    );
  }
  if (identity !== null && (identity.credential.routes?.length ?? 0) > 0) {
    const allowed = routesAllow(identity, request);
    check(
      'key routes',
      allowed,
      `${request.method} ${request.path ?? request.rawPath} is ${allowed ? '' : 'not '}within the key's routes`,
    );
  }
  if (caller.kind === 'anonymous') return steps;
  const groups = identity?.groups ?? [];
  const inGroups = `${who} is in ${groups.length === 0 ? 'no group' : list(groups)}`;
  const lower = new Set(groups.map((g) => g.toLowerCase()));
  for (const block of rule.require)
    steps.push(...groupSteps(block, lower, inGroups, request.method));
  const scopes = scopesOf(identity);
  const needed = rule.require.flatMap((block) => block.scopes ?? []);
  if (needed.length > 0) {
    const missing = needed.filter((scope) => !scopes.has(scope));
    check(
      'scopes',
      missing.length === 0,
      `needs ${list(needed)}; the credential carries ${scopes.size === 0 ? 'none' : list([...scopes])}`,
    );
  }
  for (const condition of rule.require.flatMap((block) => block.claims ?? [])) {
    const held = claimHolds(identity?.token?.claims, condition);
    const test =
      'equals' in condition
        ? `equal ${JSON.stringify(condition.equals)}`
        : 'oneOf' in condition
          ? `be one of ${JSON.stringify(condition.oneOf)}`
          : `contain ${JSON.stringify(condition.contains)}`;
    check(
      'claims',
      held,
      `claim ${condition.claim} must ${test}${identity?.token ? '' : ' (a key has no claims)'}`,
    );
  }
  return steps;
}

function groupSteps(
  block: CompiledRequirements,
  groups: ReadonlySet<string>,
  inGroups: string,
  method: string,
): TraceStep[] {
  const steps: TraceStep[] = [];
  const step = (name: string, passed: boolean, detail: string) =>
    steps.push({ step: 'requirement', name, result: passed ? 'passed' : 'failed', detail });
  if (block.anyGroups !== null) {
    step(
      'anyGroups',
      [...block.anyGroups].some((g) => groups.has(g)),
      `needs one of ${list([...block.anyGroups])}; ${inGroups}`,
    );
  }
  if (block.allGroups !== null) {
    step(
      'allGroups',
      block.allGroups.every((g) => groups.has(g)),
      `needs all of ${list(block.allGroups)}; ${inGroups}`,
    );
  }
  if (block.readOnlyGroups !== null && [...block.readOnlyGroups].some((g) => groups.has(g))) {
    const full = [...block.fullAccessGroups].some((g) => groups.has(g));
    step(
      'readOnlyGroups',
      full || SAFE_METHODS.has(method),
      full
        ? `read-only group, lifted by a full-access group; ${inGroups}`
        : `members of ${list([...block.readOnlyGroups])} may only read, and this is ${method}`,
    );
  }
  return steps;
}

function list(names: readonly string[]): string {
  return names.join(', ');
}
