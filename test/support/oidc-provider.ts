import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { rememberSecret } from './secret-ledger.js';

/** The API audience JWT access tokens are issued for (a resource indicator). */
export const RESOURCE = 'https://api.example.test';
export const CLIENT_ID = 'portcullis';
export const CLIENT_SECRET = 'portcullis-secret';

type Claims = Record<string, unknown>;
interface SigningKey {
  kid: string;
  privateJwk: JWK;
}

// oidc-provider warns about Node 20 and its development defaults on every start: not news here.
const quietly = <T>(work: () => T): T => {
  const warn = console.warn;
  const info = console.info;
  console.warn = () => {};
  console.info = () => {};
  try {
    return work();
  } finally {
    console.warn = warn;
    console.info = info;
  }
};

/**
 * A real OpenID provider (the `oidc-provider` package) on a loopback port, for tests: discovery,
 * JWKS, JWT access tokens for RESOURCE (typ at+jwt, the account's claims included), opaque access
 * tokens that userinfo and introspection accept, and the authorization-code flow with PKCE through
 * its development login and consent pages. Its keys can be rotated and it can be stopped and
 * restarted on the same port, to test what a resource server does when its IdP changes or dies.
 */
export class TestOidcProvider {
  private provider!: Provider;
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private readonly counts = new Map<string, number>();
  private readonly redirectUris = new Set<string>(['http://127.0.0.1/unused']);
  private keys: SigningKey[] = [];
  private delayMs = 0;
  private failStatus = 0;
  port = 0;

  private constructor(private readonly accounts: Record<string, Claims>) {}

  static async start(
    options: { accounts?: Record<string, Claims> } = {},
  ): Promise<TestOidcProvider> {
    const idp = new TestOidcProvider(options.accounts ?? {});
    rememberSecret(CLIENT_SECRET);
    idp.keys = [await newSigningKey()];
    idp.server = createServer((req, res) => idp.handle(req, res));
    idp.server.on('connection', (socket: Socket) => {
      idp.sockets.add(socket);
      socket.on('close', () => idp.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => idp.server.listen(0, '127.0.0.1', resolve));
    idp.port = (idp.server.address() as AddressInfo).port;
    idp.build();
    return idp;
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get discoveryUrl(): string {
    return `${this.issuer}/.well-known/openid-configuration`;
  }
  get jwksUri(): string {
    return `${this.issuer}/jwks`;
  }
  get authorizationEndpoint(): string {
    return `${this.issuer}/auth`;
  }
  get tokenEndpoint(): string {
    return `${this.issuer}/token`;
  }
  get userinfoEndpoint(): string {
    return `${this.issuer}/me`;
  }
  get introspectionEndpoint(): string {
    return `${this.issuer}/token/introspection`;
  }

  /** Requests served whose path ends with this (`/jwks`, `/token/introspection`, `/me`). */
  requests(pathSuffix: string): number {
    let total = 0;
    for (const [path, count] of this.counts) if (path.endsWith(pathSuffix)) total += count;
    return total;
  }

  /** Delays every answer by `ms` (0: none), to play a slow provider. */
  slowDown(ms: number): void {
    this.delayMs = ms;
  }

  /** Answers every request with this HTTP status at once (0: serve normally), as a broken IdP. */
  failWith(status: number): void {
    this.failStatus = status;
  }

  addRedirectUri(uri: string): void {
    this.redirectUris.add(uri);
    this.build();
  }

  /** The key new tokens are signed with, private part included (to sign test tokens). */
  currentSigningKey(): SigningKey {
    return this.keys[0]!;
  }

  /** A new signing key with a new kid; the old one stays published only with keepOld. */
  async rotateKeys(options: { keepOld: boolean } = { keepOld: true }): Promise<void> {
    const fresh = await newSigningKey();
    this.keys = options.keepOld ? [fresh, ...this.keys] : [fresh];
    this.build();
  }

  /** A JWT access token for RESOURCE, issued by the provider itself for this account. */
  async jwtAccessToken(sub: string, options: { lifetimeSeconds?: number } = {}): Promise<string> {
    const grant = new this.provider.Grant({ accountId: sub, clientId: CLIENT_ID });
    grant.addResourceScope(RESOURCE, 'api');
    const grantId = await grant.save();
    const client = (await this.provider.Client.find(CLIENT_ID))!;
    const token = new this.provider.AccessToken({
      accountId: sub,
      client,
      grantId,
      gty: 'authorization_code',
      scope: 'openid api',
      // What getResourceServerInfo answers for RESOURCE during a real grant.
      resourceServer: {
        identifier: () => RESOURCE,
        scope: 'api',
        scopes: new Set(['api']),
        audience: RESOURCE,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      } as never,
      ...(options.lifetimeSeconds !== undefined && { expiresIn: options.lifetimeSeconds }),
    });
    token.setAudience(RESOURCE);
    return rememberedToken(await token.save());
  }

  /** An opaque access token, with a grant, so that userinfo and introspection accept it. */
  async opaqueAccessToken(
    sub: string,
    options: { lifetimeSeconds?: number } = {},
  ): Promise<string> {
    const grant = new this.provider.Grant({ accountId: sub, clientId: CLIENT_ID });
    grant.addOIDCScope('openid email profile groups');
    const grantId = await grant.save();
    const client = (await this.provider.Client.find(CLIENT_ID))!;
    const token = new this.provider.AccessToken({
      accountId: sub,
      client,
      grantId,
      gty: 'authorization_code',
      scope: 'openid email profile groups',
      ...(options.lifetimeSeconds !== undefined && { expiresIn: options.lifetimeSeconds }),
    });
    return rememberedToken(await token.save());
  }

  /**
   * Goes through the provider's development login and consent as `sub`, from an authorization
   * URL, and returns where the provider finally sends the browser (the redirect URI with the code).
   */
  async scriptedLogin(authorizationUrl: string, sub: string): Promise<string> {
    const cookies = new Map<string, string>();
    const send = async (url: string, form?: Record<string, string>) => {
      const response = await fetch(url, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        body: form && new URLSearchParams(form).toString(),
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair!.indexOf('=');
        cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      return response;
    };
    let url = authorizationUrl;
    for (let step = 0; step < 12; step++) {
      const response = await send(url);
      const location = response.headers.get('location');
      if (location) {
        const next = new URL(location, url).toString();
        if (!next.startsWith(this.issuer)) return next;
        url = next;
        continue;
      }
      const page = await response.text();
      const action = /action="([^"]+)"/.exec(page)?.[1];
      if (!action) throw new Error(`Unexpected page at ${url} (HTTP ${response.status})`);
      const form: Record<string, string> = page.includes('name="prompt" value="login"')
        ? { prompt: 'login', login: sub, password: 'any' }
        : { prompt: 'consent' };
      const submitted = await send(new URL(action, url).toString(), form);
      const after = submitted.headers.get('location');
      if (!after) throw new Error(`The ${form.prompt} form did not redirect`);
      url = new URL(after, url).toString();
    }
    throw new Error('The login did not finish');
  }

  /** Closes the port (connections refused) until restart(). */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Listens again on the same port, with the same issuer, keys and stored tokens. */
  async restart(): Promise<void> {
    if (this.server.listening) return;
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0]!;
    this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
    if (this.failStatus !== 0) {
      res.writeHead(this.failStatus, { 'content-type': 'text/plain' }).end('broken');
      return;
    }
    const serve = () => this.provider.callback()(req, res);
    if (this.delayMs > 0) setTimeout(serve, this.delayMs);
    else void serve();
  }

  /**
   * (Re)creates the provider with the current keys and redirect URIs. Its stored tokens and grants
   * live in oidc-provider's module-wide memory adapter, so they survive.
   */
  private build(): void {
    const accounts = this.accounts;
    const configuration: Configuration = {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [...this.redirectUris],
          grant_types: ['authorization_code', 'client_credentials'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: this.keys.map((key) => key.privateJwk) },
      findAccount: async (_ctx, id) =>
        accounts[id] && { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) },
      claims: {
        openid: ['sub'],
        email: ['email'],
        profile: ['name', 'preferred_username', 'org'],
        groups: ['groups'],
      },
      scopes: ['openid', 'email', 'profile', 'groups', 'api'],
      pkce: { required: () => true },
      features: {
        devInteractions: { enabled: true },
        introspection: { enabled: true },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // No default audience: tokens of the code flow stay usable at userinfo.
          defaultResource: () => undefined as unknown as string,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => ({
            scope: 'api',
            audience: resource,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
      // JWT access tokens carry the account's claims, so a resource server can map the user.
      extraTokenClaims: async (_ctx, token) =>
        'accountId' in token && token.accountId && accounts[token.accountId]
          ? { ...accounts[token.accountId] }
          : undefined,
      ttl: {
        AccessToken: 3600,
        AuthorizationCode: 60,
        Grant: 3600,
        Interaction: 600,
        Session: 3600,
      },
    };
    this.provider = quietly(() => new Provider(this.issuer, configuration));
    this.provider.on('server_error', () => {});
  }
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(6).toString('hex');
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** Signs a JWT as the test says, right or wrong (any algorithm, key, kid or typ). */
export async function signJwt(
  claims: Claims,
  options: { alg: string; kid?: string; key: JWK | Uint8Array; typ?: string },
): Promise<string> {
  const key =
    options.key instanceof Uint8Array ? options.key : await importJWK(options.key, options.alg);
  return rememberedToken(
    await new SignJWT(claims)
      .setProtectedHeader({
        alg: options.alg,
        ...(options.kid !== undefined && { kid: options.kid }),
        ...(options.typ !== undefined && { typ: options.typ }),
      })
      .sign(key),
  );
}

/** Every token a test holds is one the service must never log (see secret-ledger.ts). */
function rememberedToken(token: string): string {
  rememberSecret(token);
  return token;
}
