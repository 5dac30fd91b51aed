import { readFileSync } from 'node:fs';
import { DEFAULT_EFFECTS, RULE_EFFECTS } from '../../src/policies/rules/rule.js';
import { PROVIDER_PRESETS, TOKEN_VALIDATIONS } from '../../src/providers/provider-presets.js';
import { IDENTITY_HEADER_STYLES } from '../../src/settings/settings.entity.js';
import { exportDocument, exportYaml } from '../../src/config-file/config-export.js';
import { computePlan, PlanError } from '../../src/config-file/config-plan.js';
import { ConfigFileError, parseConfig } from '../../src/config-file/config-reader.js';
import type { AdminApi } from '../../src/admin-client/admin-api.js';
import { applyPlan, describePlan, StaleRulesError } from '../../src/config-file/config-apply.js';
import type { RuleState, ServiceState } from '../../src/config-file/service-state.js';

const schema = JSON.parse(readFileSync('schema/portcullis-config.schema.json', 'utf8'));

/** A rule as GET /v1/admin/rules shows it (its position is filled in by state()). */
function rule(
  name: string,
  effect: RuleState['effect'],
  match: Partial<RuleState['match']> = {},
): RuleState {
  return {
    name,
    position: 0,
    match: { hosts: [], paths: [], methods: [], ...match },
    effect,
    require: [],
    description: null,
  };
}

/** A service state as the admin API would answer it. */
function state(overrides: Partial<ServiceState> = {}): ServiceState {
  const result: ServiceState = {
    settings: {
      version: 7,
      enabled: true,
      disablePasswordBasicAuth: true,
      allowSelfServiceKeys: false,
      maxKeyLifetime: '1 year',
      maxActiveKeysPerUser: null,
      trustedProxies: ['10.0.0.0/8'],
      identityHeaderStyle: 'x-auth',
    },
    groups: [
      { id: 'g1', name: 'portcullis-admins', description: null, memberCount: 1 },
      { id: 'g2', name: 'developers', description: 'devs', memberCount: 3 },
      {
        id: 'g3',
        name: 'partners',
        description: null,
        memberCount: 2,
        rateLimit: '600 per minute',
      },
    ],
    rules: {
      version: 4,
      rules: [
        rule('public-docs', 'public', { paths: ['/docs/**'] }),
        {
          ...rule('admin', 'authenticated', { hosts: ['api.example.com'], paths: ['/admin/**'] }),
          require: [{ anyGroups: ['developers'] }],
          description: 'Admins only',
        },
        rule('block-debug', 'deny', { paths: ['/debug/**'] }),
      ],
      defaultRule: { effect: 'authenticated', require: [] },
    },
    providers: [
      {
        id: 'v1',
        name: 'Okta (prod)',
        preset: 'okta',
        parameters: { domain: 'example.okta.com', authorizationServer: 'default' },
        hasClientSecret: true,
        discovery: { issuer: 'https://example.okta.com/oauth2/default' },
        issuer: 'https://example.okta.com/oauth2/default',
        authorizationEndpoint: null,
        tokenEndpoint: null,
        userinfoEndpoint: null,
        jwksUri: 'https://example.okta.com/oauth2/default/v1/keys',
        introspectionEndpoint: null,
        clientId: 'abc',
        scope: 'openid',
        validation: 'jwt',
        audience: null,
        strictJwt: false,
        usernameAttribute: 'email',
        matchBy: 'email',
        groupsAttribute: null,
        groupsMode: 'add',
        provisionUsers: false,
        enabled: true,
        position: 100,
      },
    ],
    callerGroups: ['portcullis-admins'],
    ...overrides,
  };
  result.rules.rules.forEach((r, index) => (r.position = index + 1));
  return result;
}

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'f.yaml');
  } catch (error) {
    if (error instanceof ConfigFileError) {
      return error.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    }
    throw error;
  }
  return [];
}

describe('The configuration file schema', () => {
  it('names the same choices as the service', () => {
    const defs = schema.definitions;
    expect(defs.provider.properties.preset.enum).toEqual([...PROVIDER_PRESETS]);
    expect(defs.provider.properties.validation.enum).toEqual([...TOKEN_VALIDATIONS]);
    expect(defs.rule.properties.effect.enum).toEqual([...RULE_EFFECTS]);
    expect(defs.defaultRule.properties.effect.enum).toEqual([...DEFAULT_EFFECTS]);
    expect(defs.settings.properties.identityHeaderStyle.enum).toEqual([...IDENTITY_HEADER_STYLES]);
  });

  it('accepts what export writes, and reads back the same document', () => {
    const text = exportYaml(state());
    expect(parseConfig(text, 'export.yaml')).toEqual(exportDocument(state()));
    expect(text).toContain('env: OKTA_PROD_CLIENT_SECRET');
    expect(exportDocument(state()).rules!.map((r) => r.name)).toEqual([
      'public-docs',
      'admin',
      'block-debug',
    ]);
    expect(exportDocument(state()).rules![1]).toEqual({
      name: 'admin',
      match: { hosts: ['api.example.com'], paths: ['/admin/**'] },
      effect: 'authenticated',
      require: [{ anyGroups: ['developers'] }],
      description: 'Admins only',
    });
    expect(exportDocument(state()).defaultRule).toEqual({ effect: 'authenticated' });
  });

  it('accepts a minimal hand-written file', () => {
    expect(problemsOf('version: 1\nrules:\n  - {name: status, effect: public}\n')).toEqual([]);
    expect(
      problemsOf(
        'version: 1\npathRules:\n  - {pattern: /status, access: public}\naccessRules: []\n',
      ),
    ).toEqual([]);
  });

  it('rejects bad files, each problem at its line and column', () => {
    expect(problemsOf('groups: []\n')).toEqual(['1:1 (top level): "version" is required']);
    expect(problemsOf('version: 2\n')).toEqual(['1:10 /version must be 1']);
    expect(problemsOf('version: 1\nroutes: []\n')).toEqual([
      '2:1 (top level): unknown field "routes"',
    ]);
    expect(problemsOf('version: 1\nrules:\n  - {name: x, effect: allow}\n')).toEqual([
      '3:23 /rules/0/effect must be one of public, bypass, deny, authenticated',
    ]);
    expect(problemsOf('version: 1\ngroups:\n  - name: "has space"\n')).toEqual([
      '3:11 /groups/0/name must match pattern "^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,63}$"',
    ]);
    expect(
      problemsOf(
        'version: 1\nproviders:\n  - name: X\n    preset: google\n    clientId: a\n    clientSecret: plain\n',
      ),
    ).toEqual(['6:19 /providers/0/clientSecret must be object']);
    expect(problemsOf('version: 1\ngroups: [a\n')[0]).toMatch(/^3:1 Flow sequence/);
  });

  it('rejects a natural key given twice', () => {
    expect(problemsOf('version: 1\ngroups:\n  - name: Dev\n  - name: dev\n')).toEqual([
      '4:5 /groups/1: group "dev" is given twice (first at /groups/0)',
    ]);
    expect(
      problemsOf(
        'version: 1\nrules:\n  - {name: a, effect: deny}\n  - {name: a, effect: public}\n',
      ),
    ).toEqual(['4:5 /rules/1: rule "a" is given twice (first at /rules/0)']);
  });

  it('rejects rules the service would refuse, at their place in the file', () => {
    const rules = (text: string) => problemsOf(`version: 1\nrules:\n${text}`);
    expect(rules('  - {name: default, effect: deny}\n')).toEqual([
      '3:12 /rules/0/name: "default" names the default rule (the defaultRule section)',
    ]);
    expect(rules('  - {name: x, effect: deny, require: [{anyGroups: [a]}]}\n')).toEqual([
      '3:38 /rules/0/require: a deny rule has no requirements: it decides without a credential',
    ]);
    expect(
      rules(
        '  - name: x\n    effect: authenticated\n    require:\n      - claims: [{claim: a, equals: 1, contains: b}]\n',
      ),
    ).toEqual([
      '6:18 /rules/0/require/0/claims/0: a claim condition needs exactly one of equals, oneOf or contains',
    ]);
  });

  it('refuses the old sections beside rules, or one without the other', () => {
    expect(problemsOf('version: 1\nrules: []\npathRules: []\naccessRules: []\n')).toEqual([
      expect.stringMatching(
        /^3:12 \/pathRules: pathRules and accessRules are replaced by rules: give rules or the old sections, not both/,
      ),
    ]);
    expect(problemsOf('version: 1\naccessRules: []\n')).toEqual([
      expect.stringMatching(/^2:14 \/accessRules: .*add "pathRules: \[\]" if there are none/),
    ]);
  });
});

describe('The apply plan', () => {
  it('refuses rules naming groups that will not exist, but allows the caller’s own', () => {
    const current = state();
    const doc = parseConfig(
      'version: 1\ngroups: [{name: dev}]\nrules:\n  - name: a\n    effect: authenticated\n' +
        '    require: [{anyGroups: [dev, ops]}, {readOnlyGroups: [portcullis-admins, developers]}]\n' +
        'defaultRule: {effect: authenticated, require: [{allGroups: [Dev, qa]}]}\n',
      'f.yaml',
    );
    expect(() => computePlan(doc, current)).toThrow(
      new PlanError([
        '/rules/0/require/0/anyGroups/1: no group "ops" in the file',
        '/rules/0/require/1/readOnlyGroups/1: no group "developers" in the file',
        '/defaultRule/require/0/allGroups/1: no group "qa" in the file',
      ]),
    );
    delete doc.groups;
    expect(() => computePlan(doc, current)).toThrow(
      /anyGroups\/0: no group "dev" in the file or the service/,
    );
    const legacy = parseConfig(
      'version: 1\npathRules: []\naccessRules:\n  - allowedGroups: [developers, ops]\n',
      'f.yaml',
    );
    expect(() => computePlan(legacy, current)).toThrow(
      new PlanError(['/accessRules/0/allowedGroups/1: no group "ops" in the file or the service']),
    );
  });

  it('is empty for the document the state exports', () => {
    const current = state();
    expect(computePlan(exportDocument(current), current)).toEqual({
      changes: [],
      notes: [],
      warnings: [],
    });
  });

  it("exports a group's rate limit, and changes it only when the rate differs", () => {
    const current = state();
    expect(exportDocument(current).groups).toContainEqual({
      name: 'partners',
      rateLimit: '600 per minute',
    });
    const groups = (partners: string) =>
      parseConfig(
        `version: 1\ngroups:\n  - {name: portcullis-admins}\n  - {name: developers, description: devs}\n  - ${partners}\n`,
        'f.yaml',
      );
    expect(computePlan(groups('{name: partners, rateLimit: 600/minute}'), current).changes).toEqual(
      [],
    );
    expect(
      computePlan(groups('{name: partners, rateLimit: 10 per second}'), current).changes,
    ).toEqual([
      expect.objectContaining({
        action: 'change',
        label: 'partners',
        fields: [{ field: 'rateLimit', from: '600 per minute', to: '10 per second' }],
        request: {
          method: 'PATCH',
          path: '/v1/admin/groups/g3',
          body: { rateLimit: '10 per second' },
        },
      }),
    ]);
    expect(computePlan(groups('{name: partners}'), current).changes[0]!.request.body).toEqual({
      rateLimit: null,
    });
    expect(problemsOf('version: 1\ngroups:\n  - {name: x, rateLimit: lots}\n')[0]).toMatch(
      /\/groups\/0\/rateLimit must match pattern/,
    );
  });

  it('plans rules by name: adds, changes field by field, moves and removals, in one PUT', () => {
    const current = state();
    const plan = computePlan(
      parseConfig(
        [
          'version: 1',
          'rules:',
          '  - {name: block-debug, effect: deny, match: {paths: [/debug/**]}}',
          '  - name: admin',
          '    match: {hosts: [API.example.com], paths: [/admin/**], methods: [get, post]}',
          '    effect: authenticated',
          '    require: [{anyGroups: [Developers], scopes: [admin]}]',
          '  - {name: status, effect: public, match: {paths: [/status]}}',
          '',
        ].join('\n'),
        'f.yaml',
      ),
      current,
    );
    expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.label}`)).toEqual([
      'move rule block-debug',
      'change rule admin',
      'add rule status',
      'remove rule public-docs',
    ]);
    expect(plan.changes[0]).toMatchObject({
      fields: [{ field: 'position', from: 3, to: 1 }],
      note: 'now first',
    });
    expect(plan.changes[1]!.fields).toEqual([
      { field: 'match.methods', from: [], to: ['GET', 'POST'] },
      {
        field: 'require',
        from: [{ anyGroups: ['developers'] }],
        to: [{ anyGroups: ['Developers'], scopes: ['admin'] }],
      },
      { field: 'description', from: 'Admins only', to: null },
    ]);
    expect(plan.changes[2]!.fields).toEqual([
      { field: 'position', to: 3 },
      { field: 'effect', to: 'public' },
      { field: 'match.paths', to: ['/status'] },
    ]);
    const requests = new Set(plan.changes.map((c) => c.request));
    expect(requests.size).toBe(1);
    const [request] = [...requests];
    expect(request).toMatchObject({
      method: 'PUT',
      path: '/v1/admin/rules',
      headers: { 'if-match': '"4"' },
    });
    expect((request!.body!.rules as { name: string }[]).map((r) => r.name)).toEqual([
      'block-debug',
      'admin',
      'status',
    ]);
    expect(request!.body).not.toHaveProperty('defaultRule');
    expect(describePlan(plan)).toContain('Plan: 1 to add, 1 to change, 1 to move, 1 to remove.');
    expect(describePlan(plan)).toContain('> rule block-debug (now first)\n      position: 3 -> 1');
  });

  it('names only the rule that moved, and nothing when the file spells the same list differently', () => {
    const current = state();
    const same = exportDocument(current);
    same.rules![1]!.match!.hosts = ['API.EXAMPLE.COM'];
    same.rules![1]!.require = [{ anyGroups: ['DEVELOPERS'] }];
    expect(computePlan({ version: 1, rules: same.rules }, current).changes).toEqual([]);
    const reordered = [same.rules![2]!, same.rules![0]!, same.rules![1]!];
    expect(
      computePlan({ version: 1, rules: reordered }, current).changes.map((c) => c.label),
    ).toEqual(['block-debug']);
  });

  it("changes the default rule, sending the service's rules with it", () => {
    const current = state();
    const plan = computePlan({ version: 1, defaultRule: { effect: 'deny' } }, current);
    expect(plan.changes).toEqual([
      expect.objectContaining({
        action: 'change',
        kind: 'default rule',
        fields: [{ field: 'effect', from: 'authenticated', to: 'deny' }],
      }),
    ]);
    const body = plan.changes[0]!.request.body!;
    expect((body.rules as { name: string }[]).map((r) => r.name)).toEqual([
      'public-docs',
      'admin',
      'block-debug',
    ]);
    expect(body.defaultRule).toEqual({ effect: 'deny', require: [] });
  });

  it('shows the lint warnings of the list the plan leaves', () => {
    const plan = computePlan(
      parseConfig(
        'version: 1\nrules:\n  - {name: all, effect: deny}\n  - {name: later, effect: public, match: {paths: [/a%2Fb]}}\n',
        'f.yaml',
      ),
      state(),
    );
    expect(plan.warnings.map((w) => `${w.rule} ${w.code}`)).toEqual([
      'later pattern-never-matches',
      'later unreachable',
    ]);
    expect(describePlan(plan)).toContain('  warning: later never decides: all, before it');
  });

  it('translates pathRules and accessRules into rules, and says so', () => {
    const plan = computePlan(
      parseConfig(
        'version: 1\npathRules:\n  - {pattern: /docs/**, access: public}\naccessRules:\n  - {allowedGroups: [developers]}\n',
        'f.yaml',
      ),
      state(),
    );
    expect(plan.notes[0]).toBe(
      'pathRules and accessRules are replaced by rules; translated into 1 rule(s) and the default ' +
        'rule — run export to get the new file',
    );
    const body = plan.changes[0]!.request.body!;
    expect(body.rules).toEqual([
      expect.objectContaining({
        name: 'public-docs-all',
        match: { hosts: [], paths: ['/docs/**'], methods: [] },
        effect: 'public',
        require: [{ anyGroups: ['developers'] }],
      }),
    ]);
    expect(body.defaultRule).toEqual({
      effect: 'authenticated',
      require: [{ anyGroups: ['developers'] }],
    });
  });

  it('applies the rules with one request, and nothing when they changed since the plan', async () => {
    const current = state();
    const plan = computePlan(
      { version: 1, groups: [...exportDocument(current).groups!, { name: 'new' }], rules: [] },
      current,
    );
    expect(plan.changes.map((c) => `${c.action} ${c.kind}`)).toEqual([
      'add group',
      'remove rule',
      'remove rule',
      'remove rule',
    ]);
    const calls: string[] = [];
    const api = (version: number): AdminApi => ({
      request: <T>(method: string, path: string, _body?: unknown, headers?: object) => {
        calls.push(`${method} ${path}${headers ? ` ${JSON.stringify(headers)}` : ''}`);
        return Promise.resolve((method === 'GET' ? { version } : {}) as T);
      },
    });
    await expect(applyPlan(api(4), plan, {})).resolves.toBe(4);
    expect(calls).toEqual([
      'GET /v1/admin/rules',
      'POST /v1/admin/rules/lint',
      'POST /v1/admin/groups',
      'PUT /v1/admin/rules {"if-match":"\\"4\\""}',
    ]);
    calls.length = 0;
    await expect(applyPlan(api(5), plan, {})).rejects.toThrow(StaleRulesError);
    expect(calls).toEqual(['GET /v1/admin/rules']);
  });

  it('replaces a provider whose preset changes, sends a secret only when asked, and keeps the caller’s groups', () => {
    const current = state();
    const doc = exportDocument(current);
    doc.groups = [];
    doc.rules = [];
    expect(computePlan(doc, current).notes).toEqual([
      expect.stringContaining('group portcullis-admins is not in the file but is kept'),
    ]);
    const resend = computePlan(exportDocument(current), current, { updateSecrets: true });
    expect(resend.changes).toEqual([
      expect.objectContaining({
        action: 'change',
        kind: 'provider',
        request: expect.objectContaining({ clientSecretFrom: 'OKTA_PROD_CLIENT_SECRET' }),
      }),
    ]);
    doc.providers![0].preset = 'google';
    const replaced = computePlan({ version: 1, providers: doc.providers }, current);
    expect(replaced.changes.map((c) => `${c.action} ${c.note ?? ''}`)).toEqual([
      'remove replaced: preset okta -> google',
      'add ',
    ]);
  });
});
