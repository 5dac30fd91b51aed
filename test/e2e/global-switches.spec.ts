import type { CheckResponse } from '../../src/adapters/envoy-grpc/envoy-proto.js';
import {
  basicAuth,
  createKey,
  createUser,
  logText,
  nginxCheck,
  type CreatedKey,
} from '../support/decisions.js';
import { call, client } from '../support/http.js';
import { checkClient, type CheckClient } from '../support/grpc.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The global switches of the settings record, through every interface: the service's on/off
// switch and the refusal of Basic passwords that are not Portcullis keys.
describe('Global switches', () => {
  let service: TestApp;
  let admin: ReturnType<typeof client>;
  let key: CreatedKey;
  let authz: CheckClient;

  const grpcCheck = (headers: Record<string, string>) =>
    new Promise<CheckResponse>((resolve, reject) =>
      authz.Check(
        { attributes: { request: { http: { method: 'GET', path: '/x', host: 'api', headers } } } },
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );
  const setSettings = async (body: Record<string, unknown>) => {
    const reply = await admin.patch('/v1/admin/settings', { body });
    expect(reply.status).toBe(200);
  };

  beforeAll(async () => {
    service = await startTestApp({ env: { GRPC_PORT: '0' } });
    admin = client(service.url, service.adminKey);
    await createUser(admin, 'olga');
    key = await createKey(admin, { username: 'olga' });
    authz = checkClient(service);
  }, 120_000); // starting services is slow on a busy 2-core machine
  afterAll(async () => {
    authz?.close();
    await service?.close();
  });

  describe('password Basic authentication', () => {
    const password = basicAuth('legacy-user', 'hunter2');

    it('is refused by default, on every interface', async () => {
      expect((await admin.get('/v1/admin/settings')).body.disablePasswordBasicAuth).toBe(true);
      const nginx = await nginxCheck(service.url, { authorization: password });
      expect(nginx.status).toBe(401);
      expect(nginx.headers.get('x-auth-reason')).toBe('password_basic_disabled');
      expect(nginx.headers.get('www-authenticate')).toContain('Basic realm="portcullis"');
      const envoy = await call(service.url, 'GET', '/v1/authz/envoy/x', {
        headers: { authorization: password },
      });
      expect(envoy.status).toBe(401);
      const rpc = await grpcCheck({ authorization: password });
      expect(rpc.status.code).toBe(16);
      expect(rpc.status.message).toBe('password_basic_disabled');
    });

    it('is passed to the upstream, without identity, when the switch is off', async () => {
      await setSettings({ disablePasswordBasicAuth: false });
      try {
        const nginx = await nginxCheck(service.url, { authorization: password });
        expect(nginx.status).toBe(200);
        expect(nginx.headers.get('x-auth-user')).toBeNull();
        const envoy = await call(service.url, 'GET', '/v1/authz/envoy/x', {
          headers: { authorization: password },
        });
        expect(envoy.status).toBe(200);
        expect(envoy.headers.get('x-envoy-auth-headers-to-remove')).toContain('x-auth-user');
        const rpc = await grpcCheck({ authorization: password });
        expect(rpc.status.code).toBe(0);
        expect(rpc.ok_response!.headers).toEqual([]);

        // A Basic credential whose password is a Portcullis key is still checked as a key.
        const forged = await nginxCheck(service.url, { authorization: basicAuth('olga', key.key) });
        expect(forged.status).toBe(401);
        expect(forged.headers.get('x-auth-reason')).toBe('wrong_key_type');
      } finally {
        await setSettings({ disablePasswordBasicAuth: true });
      }
      expect((await nginxCheck(service.url, { authorization: password })).status).toBe(401);
    });
  });

  describe('service on/off', () => {
    it('lets everything through, unchecked and without identity, while off, and says so loudly', async () => {
      await setSettings({ enabled: false });
      try {
        const anonymous = await nginxCheck(service.url);
        expect(anonymous.status).toBe(200);
        const withKey = await nginxCheck(service.url, { authorization: `Bearer ${key.key}` });
        expect(withKey.status).toBe(200);
        expect(withKey.headers.get('x-auth-user')).toBeNull();

        const envoy = await call(service.url, 'GET', '/v1/authz/envoy/anything');
        expect(envoy.status).toBe(200);
        const rpc = await grpcCheck({});
        expect(rpc.status.code).toBe(0);
        const json = await call(service.url, 'POST', '/v1/decisions', {
          auth: service.adminKey,
          body: { path: '/x' },
        });
        expect(json.body).toMatchObject({
          allowed: true,
          reason: 'service_disabled',
          identity: null,
        });

        const ready = await call(service.url, 'GET', '/readyz');
        expect(ready.status).toBe(200);
        expect(ready.body.warnings.join(' ')).toMatch(/SWITCHED OFF/);
        expect(await logText(service)).toMatch(/PORTCULLIS IS SWITCHED OFF/);
      } finally {
        await setSettings({ enabled: true });
      }
      expect((await nginxCheck(service.url)).status).toBe(401);
      expect((await call(service.url, 'GET', '/readyz')).body.warnings).toEqual([]);
    });
  });
});
