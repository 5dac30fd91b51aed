import { readFileSync } from 'node:fs';
import { PATH_ACCESS } from '../../src/policies/path-rule.entity.js';
import { PROVIDER_PRESETS, TOKEN_VALIDATIONS } from '../../src/providers/provider-presets.js';
import { IDENTITY_HEADER_STYLES } from '../../src/settings/settings.entity.js';
import { exportDocument, exportYaml } from '../../src/config-file/config-export.js';
import { computePlan, PlanError } from '../../src/config-file/config-plan.js';
import { ConfigFileError, parseConfig } from '../../src/config-file/config-reader.js';
import type { ServiceState } from '../../src/config-file/service-state.js';

const schema = JSON.parse(readFileSync('schema/portcullis-config.schema.json', 'utf8'));

/** A service state as the admin API would answer it. */
function state(overrides: Partial<ServiceState> = {}): ServiceState {
  return {
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
    pathRules: [
      {
        id: 'p1',
        pattern: '/docs/**',
        access: 'public',
        methods: [],
        host: null,
        description: null,
      },
    ],
    accessRules: [
      {
        id: 'a1',
        host: null,
        allowedIps: [],
        allowedGroups: ['developers'],
        readOnlyGroups: [],
        fullAccessGroups: [],
        description: null,
      },
    ],
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
    expect(defs.pathRule.properties.access.enum).toEqual([...PATH_ACCESS]);
    expect(defs.settings.properties.identityHeaderStyle.enum).toEqual([...IDENTITY_HEADER_STYLES]);
  });

  it('accepts what export writes, and reads back the same document', () => {
    const text = exportYaml(state());
    expect(parseConfig(text, 'export.yaml')).toEqual(exportDocument(state()));
    expect(text).toContain('env: OKTA_PROD_CLIENT_SECRET');
  });

  it('accepts a minimal hand-written file', () => {
    expect(problemsOf('version: 1\npathRules:\n  - {pattern: /status, access: public}\n')).toEqual(
      [],
    );
  });

  it('rejects bad files, each problem at its line and column', () => {
    expect(problemsOf('groups: []\n')).toEqual(['1:1 (top level): "version" is required']);
    expect(problemsOf('version: 2\n')).toEqual(['1:10 /version must be 1']);
    expect(problemsOf('version: 1\nrules: []\n')).toEqual([
      '2:1 (top level): unknown field "rules"',
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
  });
});

describe('The apply plan', () => {
  it('refuses access rules naming groups that will not exist, but allows the caller’s own', () => {
    const current = state();
    const doc = parseConfig(
      'version: 1\ngroups: [{name: dev}]\naccessRules:\n  - allowedGroups: [dev, ops, portcullis-admins, developers]\n',
      'f.yaml',
    );
    expect(() => computePlan(doc, current)).toThrow(
      new PlanError([
        '/accessRules/0/allowedGroups/1: no group "ops" in the file',
        '/accessRules/0/allowedGroups/3: no group "developers" in the file',
      ]),
    );
    delete doc.groups;
    expect(() => computePlan(doc, current)).toThrow(
      /allowedGroups\/0: no group "dev" in the file or the service/,
    );
  });

  it('is empty for the document the state exports', () => {
    const current = state();
    expect(computePlan(exportDocument(current), current)).toEqual({ changes: [], notes: [] });
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

  it('pairs access rules by host and order, and removes surplus duplicate path rules', () => {
    const current = state({
      pathRules: [
        {
          id: 'p1',
          pattern: '/a',
          access: 'public',
          methods: ['GET'],
          host: null,
          description: null,
        },
        {
          id: 'p2',
          pattern: '/a',
          access: 'public',
          methods: ['get'],
          host: null,
          description: null,
        },
      ],
    });
    const plan = computePlan(
      {
        version: 1,
        pathRules: [{ pattern: '/a', access: 'public', methods: ['GET'] }],
        accessRules: [{ allowedGroups: ['developers'] }, { allowedIps: ['192.0.2.1'] }],
      },
      current,
    );
    expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.label}`)).toEqual([
      'add access rule #2 for any host',
      'remove path rule /a (GET on any host)',
    ]);
    expect(plan.changes[1].request).toEqual({ method: 'DELETE', path: '/v1/admin/path-rules/p2' });
  });

  it('replaces a provider whose preset changes, sends a secret only when asked, and keeps the caller’s groups', () => {
    const current = state();
    const doc = exportDocument(current);
    doc.groups = [];
    doc.accessRules = [];
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
