import { generateKey } from '../../src/keys/key-format.js';
import {
  createKey,
  createUser,
  decisionLines,
  uniquePath,
  type AdminClient,
  type CreatedKey,
  type Reply,
} from '../support/decisions.js';
import { call, client } from '../support/http.js';
import { rawExchange } from '../support/raw-http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/** An Envoy ext_authz HTTP call: the original method, the original path and query after the prefix. */
function envoyCheck(
  baseUrl: string,
  method: string,
  pathAndQuery: string,
  authorization?: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return call(baseUrl, method, `/v1/authz/envoy${pathAndQuery}`, {
    headers: { ...headers, ...(authorization !== undefined && { authorization }) },
  });
}

function removed(reply: Reply): string[] {
  const header = reply.headers.get('x-envoy-auth-headers-to-remove');
  return header === null
    ? []
    : header
        .split(',')
        .map((name) => name.trim())
        .sort();
}

describe('Envoy ext_authz HTTP endpoint (/v1/authz/envoy)', () => {
  let service: TestApp;
  let admin: AdminClient;
  let grace: CreatedKey;
  let henry: CreatedKey;
  let henryId: string;

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
    await admin.post('/v1/admin/groups', { body: { name: 'developers' } });
    await createUser(admin, 'grace', {
      email: 'grace@example.com',
      displayName: 'Grace H',
      groups: ['developers'],
    });
    henryId = await createUser(admin, 'henry');
    grace = await createKey(admin, { username: 'grace' });
    henry = await createKey(admin, { userId: henryId });
  });
  afterAll(() => service.close());

  it('refuses a Host that is not plainly a host name (invalid_host), with a valid key', async () => {
    const port = Number(new URL(service.url).port);
    for (const host of ['admin%2eexample.com', 'other@admin.example.com', 'admin.example.com:x']) {
      const reply = await rawExchange(port, 'GET', '/v1/authz/envoy/orders', [
        ['Host', host],
        ['Authorization', `Bearer ${grace.key}`],
      ]);
      expect({ host, status: reply.status, reason: reply.headers['x-auth-reason'] }).toEqual({
        host,
        status: 403,
        reason: 'invalid_host',
      });
      expect(reply.headers['x-auth-user']).toBeUndefined();
    }
  });

  describe('allowing', () => {
    it.each(METHODS)('allows %s with the identity headers', async (method) => {
      const reply = await envoyCheck(
        service.url,
        method,
        '/orders/7?expand=items&x=1',
        `Bearer ${grace.key}`,
      );
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-auth-user')).toBe('grace');
      expect(reply.headers.get('x-auth-email')).toBe('grace@example.com');
      expect(reply.headers.get('x-auth-groups')).toBe('developers');
      expect(reply.headers.get('x-auth-credential')).toBe(grace.keyId);
      // Every header of the style is set: only the bypass mark is for Envoy to remove.
      expect(reply.headers.get('x-envoy-auth-headers-to-remove')).toBe('x-auth-bypass');
    });

    it('asks Envoy to remove the identity headers the user has no value for', async () => {
      const reply = await envoyCheck(service.url, 'POST', '/orders?x=1', `Bearer ${henry.key}`);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-auth-user')).toBe('henry');
      expect(reply.headers.get('x-auth-credential')).toBe(henry.keyId);
      expect(reply.headers.get('x-auth-email')).toBeNull();
      expect(removed(reply)).toEqual(['x-auth-bypass', 'x-auth-email', 'x-auth-groups']);
    });

    it('lists the headers of the configured style', async () => {
      const changed = await admin.patch('/v1/admin/settings', {
        body: { identityHeaderStyle: 'authelia' },
      });
      expect(changed.status).toBe(200);
      try {
        const reply = await envoyCheck(service.url, 'GET', '/', `Bearer ${henry.key}`);
        expect(reply.status).toBe(200);
        expect(reply.headers.get('remote-user')).toBe('henry');
        expect(reply.headers.get('x-auth-user')).toBeNull();
        expect(removed(reply)).toEqual([
          'remote-email',
          'remote-groups',
          'remote-name',
          'x-auth-bypass',
        ]);
        const full = await envoyCheck(service.url, 'GET', '/', `Bearer ${grace.key}`);
        expect(full.headers.get('remote-name')).toBe('Grace H');
        expect(removed(full)).toEqual(['x-auth-bypass']);
      } finally {
        await admin.patch('/v1/admin/settings', { body: { identityHeaderStyle: 'x-auth' } });
      }
    });

    it('decides on the original method and path, and logs them without the query', async () => {
      const path = uniquePath('envoy-orders');
      const reply = await envoyCheck(
        service.url,
        'DELETE',
        `${path}?token=secret-ish`,
        `Bearer ${grace.key}`,
      );
      expect(reply.status).toBe(200);
      const [line] = await decisionLines(service, path);
      expect(line).toMatchObject({
        msg: 'decision',
        interface: 'envoy-http',
        method: 'DELETE',
        path,
        granted: true,
        reason: 'authenticated',
        verifier: 'api-key-bearer',
        credentialId: grace.keyId,
      });
    });

    it("logs Envoy's request id with the decision, and only a sane one", async () => {
      const path = uniquePath('envoy-request-id');
      const requestId = 'c0ffee00-1234-4abc-8def-0123456789ab';
      await envoyCheck(service.url, 'GET', path, `Bearer ${grace.key}`, {
        'x-request-id': requestId,
      });
      await envoyCheck(service.url, 'GET', path, `Bearer ${grace.key}`, {
        'x-request-id': '"},"granted":true,"x":"',
      });
      const lines = await decisionLines(service, path);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatchObject({ granted: true, requestId });
      expect(lines[1]).not.toHaveProperty('requestId');
    });

    it('treats the bare prefix as the root path', async () => {
      const reply = await call(service.url, 'GET', '/v1/authz/envoy', {
        headers: { authorization: `Bearer ${grace.key}` },
      });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-auth-user')).toBe('grace');
    });
  });

  describe('refusing', () => {
    it.each(METHODS.filter((m) => m !== 'HEAD'))(
      'refuses %s without a credential with 401, a challenge and a JSON body',
      async (method) => {
        const reply = await envoyCheck(service.url, method, '/orders/7?expand=items');
        expect(reply.status).toBe(401);
        expect(reply.headers.get('content-type')).toContain('application/json');
        expect(reply.body).toEqual({ status: 401, reason: 'missing_credential' });
        const challenge = reply.headers.get('www-authenticate') ?? '';
        expect(challenge).toContain('Bearer realm="portcullis"');
        expect(challenge).toContain('Basic realm="portcullis"');
        expect(reply.headers.get('x-auth-user')).toBeNull();
      },
    );

    it('refuses an unknown key with 401 invalid_token', async () => {
      const reply = await envoyCheck(
        service.url,
        'GET',
        '/orders',
        `Bearer ${generateKey().plaintext}`,
      );
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ status: 401, reason: 'unknown_key' });
      expect(reply.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('refuses a revoked key at once with 401', async () => {
      const key = await createKey(admin, { username: 'grace' });
      expect((await envoyCheck(service.url, 'GET', '/a', `Bearer ${key.key}`)).status).toBe(200);
      await admin.post(`/v1/admin/keys/${key.id}/revoke`);
      const reply = await envoyCheck(service.url, 'GET', '/a', `Bearer ${key.key}`);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ status: 401, reason: 'revoked_key' });
      expect(reply.headers.get('www-authenticate')).toContain('Bearer realm="portcullis"');
    });

    it('refuses a disabled user’s key with 403 and no challenge', async () => {
      const userId = await createUser(admin, 'ivan');
      const key = await createKey(admin, { userId });
      expect((await envoyCheck(service.url, 'PUT', '/a', `Bearer ${key.key}`)).status).toBe(200);
      await admin.patch(`/v1/admin/users/${userId}`, { body: { disabled: true } });
      const reply = await envoyCheck(service.url, 'PUT', '/a', `Bearer ${key.key}`);
      expect(reply.status).toBe(403);
      expect(reply.headers.get('content-type')).toContain('application/json');
      expect(reply.body).toEqual({ status: 403, reason: 'user_disabled' });
      expect(reply.headers.get('www-authenticate')).toBeNull();
      expect(reply.headers.get('x-auth-user')).toBeNull();
    });

    it('refuses a malformed Authorization header with 401 invalid_request', async () => {
      const reply = await envoyCheck(service.url, 'GET', '/a', 'Bearer a b');
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ status: 401, reason: 'malformed_credential' });
      expect(reply.headers.get('www-authenticate')).toContain('error="invalid_request"');
    });
  });
});

describe('Envoy ext_authz HTTP endpoint with the database gone', () => {
  let service: TestApp;
  let cached: CreatedKey;
  let uncached: CreatedKey;

  beforeAll(async () => {
    service = await startTestApp();
    const admin = client(service.url, service.adminKey);
    await createUser(admin, 'judy');
    cached = await createKey(admin, { username: 'judy' });
    uncached = await createKey(admin, { username: 'judy' });
    const warm = await envoyCheck(service.url, 'GET', '/a', `Bearer ${cached.key}`);
    expect(warm.status).toBe(200);
    await service.runtime.dataSource.destroy();
  });
  afterAll(() => service.close());

  it('still allows a cached key', async () => {
    const reply = await envoyCheck(service.url, 'GET', '/a', `Bearer ${cached.key}`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-auth-user')).toBe('judy');
  });

  it('answers 503 for a key it cannot look up, so that Envoy fails closed', async () => {
    for (const key of [uncached.key, generateKey().plaintext]) {
      const reply = await envoyCheck(service.url, 'POST', '/a?b=c', `Bearer ${key}`);
      expect(reply.status).toBe(503);
      expect(reply.body).toEqual({ status: 503, reason: 'unavailable' });
      expect(reply.headers.get('x-auth-user')).toBeNull();
      expect(reply.headers.get('www-authenticate')).toBeNull();
    }
  });
});
