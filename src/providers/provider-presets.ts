/**
 * What each identity provider needs to be told, and what follows from it. A preset asks for a few
 * parameters (a tenant, a domain, a realm) and fills in the endpoints each vendor documents; where
 * the vendor publishes OpenID discovery, the discovered document is used and shown to the admin.
 */
export const PROVIDER_PRESETS = [
  'azure',
  'okta',
  'google',
  'keycloak',
  'auth0',
  'cognito',
  'github',
  'gitlab',
  'custom',
] as const;
export type ProviderPreset = (typeof PROVIDER_PRESETS)[number];

export const TOKEN_VALIDATIONS = ['auto', 'jwt', 'userinfo', 'introspection'] as const;
export type TokenValidation = (typeof TOKEN_VALIDATIONS)[number];

/** Preset parameters; which ones a preset needs is in PRESET_PARAMETERS. */
export interface PresetParameters {
  tenant?: string;
  domain?: string;
  authorizationServer?: string;
  baseUrl?: string;
  realm?: string;
  region?: string;
  userPoolId?: string;
}

export interface ProviderEndpoints {
  issuer: string | null;
  /** Where discovery is read from; null when the vendor publishes none. */
  discoveryUrl: string | null;
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  userinfoEndpoint: string | null;
  jwksUri: string | null;
  introspectionEndpoint: string | null;
}

export interface PresetDefaults {
  scope: string;
  usernameAttribute: string;
  matchBy: 'username' | 'email';
  validation: TokenValidation;
}

/** The parameters each preset requires (custom takes endpoints instead). */
export const PRESET_PARAMETERS: Record<ProviderPreset, readonly (keyof PresetParameters)[]> = {
  azure: ['tenant'],
  okta: ['domain'],
  google: [],
  keycloak: ['baseUrl', 'realm'],
  auth0: ['domain'],
  cognito: ['region', 'userPoolId', 'domain'],
  github: [],
  gitlab: [],
  custom: [],
};

export const PRESET_DEFAULTS: Record<ProviderPreset, PresetDefaults> = {
  azure: oidc('preferred_username'),
  okta: oidc('preferred_username'),
  // Google's access tokens are opaque: userinfo is the way to learn who holds one.
  google: { ...oidc('email'), matchBy: 'email', validation: 'userinfo' },
  keycloak: oidc('preferred_username'),
  auth0: { ...oidc('email'), matchBy: 'email' },
  // Cognito access tokens carry `username`, not the ID token's profile claims.
  cognito: oidc('username'),
  github: {
    scope: 'read:user user:email',
    usernameAttribute: 'login',
    matchBy: 'username',
    validation: 'userinfo',
  },
  gitlab: { ...oidc('nickname'), validation: 'userinfo' },
  custom: oidc('preferred_username'),
};

function oidc(usernameAttribute: string): PresetDefaults {
  return {
    scope: 'openid profile email',
    usernameAttribute,
    matchBy: 'username',
    validation: 'auto',
  };
}

/** The endpoints of a preset, from its parameters (custom: none, the admin gives them). */
export function presetEndpoints(preset: ProviderPreset, p: PresetParameters): ProviderEndpoints {
  switch (preset) {
    case 'azure': {
      const base = `https://login.microsoftonline.com/${encodeURIComponent(p.tenant!)}`;
      return {
        issuer: `${base}/v2.0`,
        discoveryUrl: `${base}/v2.0/.well-known/openid-configuration`,
        authorizationEndpoint: `${base}/oauth2/v2.0/authorize`,
        tokenEndpoint: `${base}/oauth2/v2.0/token`,
        userinfoEndpoint: 'https://graph.microsoft.com/oidc/userinfo',
        jwksUri: `${base}/discovery/v2.0/keys`,
        introspectionEndpoint: null,
      };
    }
    case 'okta': {
      const issuer = `https://${p.domain}/oauth2/${encodeURIComponent(p.authorizationServer ?? 'default')}`;
      return {
        issuer,
        discoveryUrl: `${issuer}/.well-known/openid-configuration`,
        authorizationEndpoint: `${issuer}/v1/authorize`,
        tokenEndpoint: `${issuer}/v1/token`,
        userinfoEndpoint: `${issuer}/v1/userinfo`,
        jwksUri: `${issuer}/v1/keys`,
        introspectionEndpoint: `${issuer}/v1/introspect`,
      };
    }
    case 'google':
      return {
        issuer: 'https://accounts.google.com',
        discoveryUrl: 'https://accounts.google.com/.well-known/openid-configuration',
        authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
        tokenEndpoint: 'https://oauth2.googleapis.com/token',
        userinfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
        jwksUri: 'https://www.googleapis.com/oauth2/v3/certs',
        introspectionEndpoint: null,
      };
    case 'keycloak': {
      const issuer = `${trimSlash(p.baseUrl!)}/realms/${encodeURIComponent(p.realm!)}`;
      const oidcBase = `${issuer}/protocol/openid-connect`;
      return {
        issuer,
        discoveryUrl: `${issuer}/.well-known/openid-configuration`,
        authorizationEndpoint: `${oidcBase}/auth`,
        tokenEndpoint: `${oidcBase}/token`,
        userinfoEndpoint: `${oidcBase}/userinfo`,
        jwksUri: `${oidcBase}/certs`,
        introspectionEndpoint: `${oidcBase}/token/introspect`,
      };
    }
    case 'auth0':
      return {
        issuer: `https://${p.domain}/`,
        discoveryUrl: `https://${p.domain}/.well-known/openid-configuration`,
        authorizationEndpoint: `https://${p.domain}/authorize`,
        tokenEndpoint: `https://${p.domain}/oauth/token`,
        userinfoEndpoint: `https://${p.domain}/userinfo`,
        jwksUri: `https://${p.domain}/.well-known/jwks.json`,
        introspectionEndpoint: null,
      };
    case 'cognito': {
      const issuer = `https://cognito-idp.${p.region}.amazonaws.com/${encodeURIComponent(p.userPoolId!)}`;
      return {
        issuer,
        discoveryUrl: `${issuer}/.well-known/openid-configuration`,
        authorizationEndpoint: `https://${p.domain}/oauth2/authorize`,
        tokenEndpoint: `https://${p.domain}/oauth2/token`,
        userinfoEndpoint: `https://${p.domain}/oauth2/userInfo`,
        jwksUri: `${issuer}/.well-known/jwks.json`,
        introspectionEndpoint: null,
      };
    }
    case 'github':
      // OAuth 2.0 only: no issuer, no JWTs, no discovery; the user API is the userinfo.
      return {
        issuer: null,
        discoveryUrl: null,
        authorizationEndpoint: 'https://github.com/login/oauth/authorize',
        tokenEndpoint: 'https://github.com/login/oauth/access_token',
        userinfoEndpoint: 'https://api.github.com/user',
        jwksUri: null,
        introspectionEndpoint: null,
      };
    case 'gitlab': {
      const base = trimSlash(p.baseUrl ?? 'https://gitlab.com');
      return {
        issuer: base,
        discoveryUrl: `${base}/.well-known/openid-configuration`,
        authorizationEndpoint: `${base}/oauth/authorize`,
        tokenEndpoint: `${base}/oauth/token`,
        userinfoEndpoint: `${base}/oauth/userinfo`,
        jwksUri: `${base}/oauth/discovery/keys`,
        introspectionEndpoint: null,
      };
    }
    case 'custom':
      return {
        issuer: null,
        discoveryUrl: null,
        authorizationEndpoint: null,
        tokenEndpoint: null,
        userinfoEndpoint: null,
        jwksUri: null,
        introspectionEndpoint: null,
      };
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
