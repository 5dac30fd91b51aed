import fc from 'fast-check';
import { IpRanges } from '../../src/core/client-ip.js';
import { forUri } from '../../src/core/decision-request.js';
import type { Verdict } from '../../src/core/decision.js';
import type { Identity } from '../../src/core/identity.js';
import type { Caller } from '../../src/core/policy-evaluator.js';
import {
  translateLegacyRules,
  type AccessRuleSpec,
  type PathRuleSpec,
} from '../../src/policies/rules/legacy-rules.js';
import { RuleDecider } from '../../src/policies/rules/rule-decider.js';
import { RuleBook as CompiledRules } from '../../src/policies/rules/rule-book.js';
import { decideByOldRules, RuleBook } from '../support/legacy-policy.js';

// Vocabularies small enough that random rule sets overlap, nest and collide.
const RULE_HOSTS = [
  'api.example.com',
  'admin.example.com',
  '*.example.com',
  '*.api.example.com',
  'shop.test',
  '*.test',
];
const PARTLY_OVERLAPPING_HOST = 'api.*';
const PATTERNS = [
  '/',
  '/**',
  '/public/**',
  '/docs/*',
  '/docs/internal/**',
  '/admin/**',
  '/hooks/*',
  '/status',
  '/v1/*.json',
];
const GROUPS = ['ops', 'dev', 'readers', 'Writers'];
const RANGES = ['10.0.0.0/8', '10.1.0.0/16', '192.168.0.0/16', '::1'];
const PATHS = [
  '/',
  '/public',
  '/public/x',
  '/docs/a',
  '/docs/internal/x',
  '/DOCS/INTERNAL/x',
  '/docs/internal./x',
  '/admin',
  '/Admin/x',
  '/hooks/gh',
  '/status/',
  '/v1/a.json',
  '/public/../admin',
  '/public/%2e%2e/admin',
  '/public/x#/../../admin',
  '/public//x',
  '/x%ff',
  '/public/%00',
  '/other',
];
const HOSTS = [
  'api.example.com',
  'ADMIN.example.com:8443',
  'a.api.example.com',
  'b.example.com',
  'shop.test',
  'x.test',
  'api.test',
  'other.org',
];
const METHODS = ['GET', 'HEAD', 'POST', 'DELETE'];
const CLIENTS = ['10.0.0.1', '10.1.2.3', '192.168.1.1', '::1', '8.8.8.8'];

function identity(groups: string[], allowedIps: string[]): Identity {
  return {
    userId: 'u1',
    username: 'alice',
    email: null,
    displayName: null,
    groups,
    credential: { kind: 'api_key', id: 'k1', keyId: 'k1', type: 'bearer', allowedIps },
    expiresAt: null,
    issuedAt: 0,
  };
}

const keyAllows = (who: Identity, ip: string) =>
  who.credential.allowedIps.length === 0 || new IpRanges(who.credential.allowedIps).has(ip);

/** The old policy, as the service ran it: path rules and access rules in a RuleBook. */
function oldPolicy(pathRules: PathRuleSpec[], accessRules: AccessRuleSpec[]) {
  const book = RuleBook.compile(pathRules, accessRules);
  return (req: ReturnType<typeof forUri>, caller: Caller): Verdict =>
    decideByOldRules(book, req, caller, keyAllows);
}

/** The same rules translated into the ordered model. */
function newPolicy(pathRules: PathRuleSpec[], accessRules: AccessRuleSpec[]) {
  const { list, warnings } = translateLegacyRules(pathRules, accessRules);
  const decider = new RuleDecider(CompiledRules.compile(list));
  return {
    warnings,
    decide: (req: ReturnType<typeof forUri>, caller: Caller): Verdict =>
      decider.beforeCredential(req) ?? decider.evaluate(req, caller, keyAllows),
  };
}

const pathRule = (hosts: string[]) =>
  fc.record({
    access: fc.constantFrom('public', 'restricted', 'bypass') as fc.Arbitrary<
      PathRuleSpec['access']
    >,
    pattern: fc.constantFrom(...PATTERNS),
    methods: fc.subarray(['GET', 'POST', 'DELETE'], { maxLength: 2 }),
    host: fc.option(fc.constantFrom(...hosts), { nil: null }),
  });
const accessRule = (hosts: string[]) =>
  fc.record({
    host: fc.option(fc.constantFrom(...hosts), { nil: null }),
    allowedIps: fc.subarray(RANGES, { maxLength: 2 }),
    allowedGroups: fc.subarray(GROUPS, { maxLength: 2 }),
    readOnlyGroups: fc.subarray(GROUPS, { maxLength: 2 }),
    fullAccessGroups: fc.subarray(GROUPS, { maxLength: 1 }),
  });
const caller: fc.Arbitrary<Caller> = fc.oneof(
  fc.constant({ kind: 'anonymous' } as const),
  fc.constant({ kind: 'upstream_auth' } as const),
  fc
    .record({
      groups: fc.subarray(GROUPS.map((g) => g.toLowerCase())),
      ips: fc.subarray(RANGES, { maxLength: 1 }),
    })
    .map(({ groups, ips }) => ({ kind: 'identified', identity: identity(groups, ips) }) as const),
);
const request = fc
  .tuple(
    fc.constantFrom(...PATHS),
    fc.constantFrom(...METHODS),
    fc.constantFrom(...HOSTS),
    fc.constantFrom(...CLIENTS),
  )
  .map(([uri, method, host, clientIp]) =>
    forUri(uri, { interface: 'json', method, host, clientIp, authorization: [], requestId: null }),
  );

function withIds<T>(rules: T[], prefix: string): (T & { id: string })[] {
  return rules.map((rule, i) => ({ ...rule, id: `${prefix}${i}` }));
}

describe(translateLegacyRules.name, () => {
  it('decides every request as the old path and access rules did', () => {
    fc.assert(
      fc.property(
        fc.array(pathRule(RULE_HOSTS), { maxLength: 7 }),
        fc.array(accessRule(RULE_HOSTS), { maxLength: 4 }),
        fc.array(fc.tuple(request, caller), { minLength: 1, maxLength: 25 }),
        (paths, access, requests) => {
          const [pathRules, accessRules] = [withIds(paths, 'p'), withIds(access, 'a')];
          const decideOld = oldPolicy(pathRules, accessRules);
          const translated = newPolicy(pathRules, accessRules);
          expect(translated.warnings).toEqual([]);
          for (const [req, who] of requests) {
            const [before, after] = [decideOld(req, who), translated.decide(req, who)];
            expect({ allowed: after.allowed, reason: after.reason }).toEqual({
              allowed: before.allowed,
              reason: before.reason,
            });
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('is never looser than the old rules where two wildcard hosts partly overlap, and warns', () => {
    const hosts = [...RULE_HOSTS, PARTLY_OVERLAPPING_HOST];
    let warned = 0;
    fc.assert(
      fc.property(
        fc.array(pathRule(hosts), { maxLength: 6 }),
        fc.array(accessRule(hosts), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(request, caller), { minLength: 1, maxLength: 25 }),
        (paths, access, requests) => {
          const [pathRules, accessRules] = [withIds(paths, 'p'), withIds(access, 'a')];
          const decideOld = oldPolicy(pathRules, accessRules);
          const translated = newPolicy(pathRules, accessRules);
          if (translated.warnings.length > 0) warned++;
          for (const [req, who] of requests) {
            if (translated.decide(req, who).allowed) expect(decideOld(req, who).allowed).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(warned).toBeGreaterThan(0);
  });

  it('writes a readable list for a typical set', () => {
    const { list } = translateLegacyRules(
      [
        { id: 'p1', access: 'public', pattern: '/docs/**', methods: [], host: null },
        { id: 'p2', access: 'restricted', pattern: '/docs/internal/**', methods: [], host: null },
        { id: 'p3', access: 'bypass', pattern: '/hooks/*', methods: ['POST'], host: null },
      ],
      [
        {
          id: 'a1',
          host: null,
          allowedIps: ['10.0.0.0/8'],
          allowedGroups: [],
          readOnlyGroups: [],
          fullAccessGroups: [],
        },
        {
          id: 'a2',
          host: 'admin.example.com',
          allowedIps: [],
          allowedGroups: ['ops'],
          readOnlyGroups: [],
          fullAccessGroups: [],
        },
      ],
    );
    const everywhere = [{ ipRanges: ['10.0.0.0/8'] }];
    const admin = [...everywhere, { anyGroups: ['ops'] }];
    expect(
      list.rules.map((r) => [r.name, r.effect, r.match.hosts, r.match.paths, r.require]),
    ).toEqual([
      ['bypass-hooks-any', 'bypass', [], ['/hooks/*'], []],
      [
        'restricted-docs-internal-all-on-admin.example.com',
        'authenticated',
        ['admin.example.com'],
        ['/docs/internal/**'],
        admin,
      ],
      ['restricted-docs-internal-all', 'authenticated', [], ['/docs/internal/**'], everywhere],
      [
        'public-docs-all-on-admin.example.com',
        'public',
        ['admin.example.com'],
        ['/docs/**'],
        admin,
      ],
      ['public-docs-all', 'public', [], ['/docs/**'], everywhere],
      ['host-admin.example.com', 'authenticated', ['admin.example.com'], [], admin],
    ]);
    expect(list.defaultRule).toEqual({ effect: 'authenticated', require: everywhere });
  });
});
