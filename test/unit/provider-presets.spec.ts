import {
  PRESET_DEFAULTS,
  PRESET_PARAMETERS,
  PROVIDER_PRESETS,
  presetEndpoints,
} from '../../src/providers/provider-presets.js';

// The endpoint URLs each vendor documents, built from the parameters an admin gives.
describe(presetEndpoints.name, () => {
  it('builds Azure AD / Entra ID from the tenant', () => {
    expect(presetEndpoints('azure', { tenant: 'contoso.onmicrosoft.com' })).toEqual({
      issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
      discoveryUrl:
        'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration',
      authorizationEndpoint:
        'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
      tokenEndpoint: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
      userinfoEndpoint: 'https://graph.microsoft.com/oidc/userinfo',
      jwksUri: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/v2.0/keys',
      introspectionEndpoint: null,
    });
  });

  it('builds Okta from the domain and authorization server (default: "default")', () => {
    expect(presetEndpoints('okta', { domain: 'example.okta.com' })).toEqual({
      issuer: 'https://example.okta.com/oauth2/default',
      discoveryUrl: 'https://example.okta.com/oauth2/default/.well-known/openid-configuration',
      authorizationEndpoint: 'https://example.okta.com/oauth2/default/v1/authorize',
      tokenEndpoint: 'https://example.okta.com/oauth2/default/v1/token',
      userinfoEndpoint: 'https://example.okta.com/oauth2/default/v1/userinfo',
      jwksUri: 'https://example.okta.com/oauth2/default/v1/keys',
      introspectionEndpoint: 'https://example.okta.com/oauth2/default/v1/introspect',
    });
    expect(
      presetEndpoints('okta', { domain: 'example.okta.com', authorizationServer: 'aus1' }).issuer,
    ).toBe('https://example.okta.com/oauth2/aus1');
  });

  it('knows Google', () => {
    expect(presetEndpoints('google', {})).toMatchObject({
      issuer: 'https://accounts.google.com',
      authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenEndpoint: 'https://oauth2.googleapis.com/token',
      userinfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
      jwksUri: 'https://www.googleapis.com/oauth2/v3/certs',
    });
  });

  it('builds Keycloak from the base URL and realm', () => {
    expect(
      presetEndpoints('keycloak', { baseUrl: 'https://sso.example.com/', realm: 'acme' }),
    ).toEqual({
      issuer: 'https://sso.example.com/realms/acme',
      discoveryUrl: 'https://sso.example.com/realms/acme/.well-known/openid-configuration',
      authorizationEndpoint: 'https://sso.example.com/realms/acme/protocol/openid-connect/auth',
      tokenEndpoint: 'https://sso.example.com/realms/acme/protocol/openid-connect/token',
      userinfoEndpoint: 'https://sso.example.com/realms/acme/protocol/openid-connect/userinfo',
      jwksUri: 'https://sso.example.com/realms/acme/protocol/openid-connect/certs',
      introspectionEndpoint:
        'https://sso.example.com/realms/acme/protocol/openid-connect/token/introspect',
    });
  });

  it('builds Auth0 from the domain (its issuer ends with a slash)', () => {
    expect(presetEndpoints('auth0', { domain: 'acme.eu.auth0.com' })).toMatchObject({
      issuer: 'https://acme.eu.auth0.com/',
      authorizationEndpoint: 'https://acme.eu.auth0.com/authorize',
      tokenEndpoint: 'https://acme.eu.auth0.com/oauth/token',
      userinfoEndpoint: 'https://acme.eu.auth0.com/userinfo',
      jwksUri: 'https://acme.eu.auth0.com/.well-known/jwks.json',
    });
  });

  it('builds Cognito from the region, user pool and hosted domain', () => {
    expect(
      presetEndpoints('cognito', {
        region: 'eu-west-1',
        userPoolId: 'eu-west-1_AbC123',
        domain: 'acme.auth.eu-west-1.amazoncognito.com',
      }),
    ).toMatchObject({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
      jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json',
      authorizationEndpoint: 'https://acme.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
      tokenEndpoint: 'https://acme.auth.eu-west-1.amazoncognito.com/oauth2/token',
      userinfoEndpoint: 'https://acme.auth.eu-west-1.amazoncognito.com/oauth2/userInfo',
    });
  });

  it('knows GitHub (OAuth 2.0 only: no issuer, no keys) and GitLab (gitlab.com by default)', () => {
    expect(presetEndpoints('github', {})).toEqual({
      issuer: null,
      discoveryUrl: null,
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
      userinfoEndpoint: 'https://api.github.com/user',
      jwksUri: null,
      introspectionEndpoint: null,
    });
    expect(presetEndpoints('gitlab', {})).toMatchObject({
      issuer: 'https://gitlab.com',
      userinfoEndpoint: 'https://gitlab.com/oauth/userinfo',
      jwksUri: 'https://gitlab.com/oauth/discovery/keys',
    });
    expect(presetEndpoints('gitlab', { baseUrl: 'https://git.example.com' }).tokenEndpoint).toBe(
      'https://git.example.com/oauth/token',
    );
  });

  it('escapes parameters that go into a path', () => {
    expect(presetEndpoints('keycloak', { baseUrl: 'https://sso', realm: 'a/b' }).issuer).toBe(
      'https://sso/realms/a%2Fb',
    );
  });

  it.each(PROVIDER_PRESETS)('has parameters and defaults for %s', (preset) => {
    expect(PRESET_PARAMETERS[preset]).toBeDefined();
    expect(PRESET_DEFAULTS[preset].usernameAttribute).toMatch(/^[a-z_]+$/);
  });

  it('validates opaque-token vendors at userinfo', () => {
    expect(PRESET_DEFAULTS.github).toMatchObject({
      validation: 'userinfo',
      usernameAttribute: 'login',
    });
    expect(PRESET_DEFAULTS.google).toMatchObject({ validation: 'userinfo', matchBy: 'email' });
  });
});
