import * as grpc from '@grpc/grpc-js';
import { EnvoyGrpcServer } from '../../src/adapters/envoy-grpc/envoy-grpc.server.js';
import type { CheckRequest, CheckResponse } from '../../src/adapters/envoy-grpc/envoy-proto.js';
import { decisionLines } from '../support/decisions.js';
import { client } from '../support/http.js';
import { checkClient, type CheckClient } from '../support/grpc.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

function checkRequest(
  headers: Record<string, string>,
  path = '/orders/7?x=1',
  method = 'GET',
): CheckRequest {
  return {
    attributes: {
      source: { address: { socket_address: { address: '::ffff:198.51.100.4' } } },
      request: { http: { method, path, host: 'api.example.com', headers } },
    },
  };
}

function headerMap(response: CheckResponse, kind: 'ok' | 'denied'): Record<string, string> {
  const list = kind === 'ok' ? response.ok_response!.headers : response.denied_response!.headers;
  return Object.fromEntries(list.map((h) => [h.header.key, h.header.value]));
}

describe('Envoy ext_authz over gRPC', () => {
  let service: TestApp;
  let authz: CheckClient;
  let key: string;
  let keyId: string;
  let userId: string;
  const check = (request: CheckRequest) =>
    new Promise<CheckResponse>((resolve, reject) =>
      authz.Check(request, (error, response) => (error ? reject(error) : resolve(response))),
    );

  beforeAll(async () => {
    service = await startTestApp({ env: { GRPC_PORT: '0' } });
    authz = checkClient(service);
    const admin = client(service.url, service.adminKey);
    const user = await admin.post('/v1/admin/users', { body: { username: 'grace' } });
    userId = user.body.id;
    const created = await admin.post('/v1/admin/keys', {
      body: { userId, name: 'svc', type: 'bearer', expiresIn: 'never', scopes: ['orders:read'] },
    });
    key = created.body.key;
    keyId = created.body.keyId;
  });

  afterAll(async () => {
    authz?.close();
    await service?.close();
  });

  it('allows with OK, overwriting identity headers and removing the ones it does not set', async () => {
    const response = await check(
      checkRequest({ authorization: `Bearer ${key}`, 'x-auth-user': 'root' }),
    );
    expect(response.status.code).toBe(0);
    expect((response as CheckResponse & { http_response: string }).http_response).toBe(
      'ok_response',
    );
    expect(headerMap(response, 'ok')['x-auth-user']).toBe('grace');
    expect(response.ok_response!.headers.every((h) => h.append_action === 2)).toBe(true);
    expect(response.ok_response!.headers_to_remove).toContain('x-auth-email');
  });

  it('tells the next filters who was allowed, as dynamic metadata; nothing when denied', async () => {
    const allowed = await check(checkRequest({ authorization: `Bearer ${key}` }));
    // (The decoder adds each value's oneof name as `kind`.)
    expect(allowed.dynamic_metadata).toMatchObject({
      fields: {
        reason: { string_value: 'authenticated' },
        rule: { string_value: 'default' },
        user: { string_value: 'grace' },
        user_id: { string_value: userId },
        credential_kind: { string_value: 'api_key' },
        key_id: { string_value: keyId },
        groups: { list_value: { values: [] } },
        scopes: { list_value: { values: [{ string_value: 'orders:read' }] } },
      },
    });
    const denied = await check(checkRequest({}));
    expect(denied.status.code).toBe(16);
    expect(denied.dynamic_metadata ?? null).toBeNull();
  });

  it('refuses a host that is not plainly a host name with PERMISSION_DENIED (invalid_host)', async () => {
    const request = checkRequest({ authorization: `Bearer ${key}` });
    request.attributes!.request!.http!.host = 'admin%2eexample.com';
    const response = await check(request);
    expect(response.status.code).toBe(7);
    expect(response.denied_response!.status.code).toBe(403);
    expect(headerMap(response, 'denied')['x-auth-reason']).toBe('invalid_host');
  });

  it("logs the decision under Envoy's request id", async () => {
    const request = checkRequest({ authorization: `Bearer ${key}` }, '/orders/grpc-request-id');
    request.attributes!.request!.http!.id = '8151398291264478';
    expect((await check(request)).status.code).toBe(0);
    const [line] = await decisionLines(service, '/orders/grpc-request-id');
    expect(line).toMatchObject({ interface: 'envoy-grpc', requestId: '8151398291264478' });
  });

  it('refuses a missing credential with UNAUTHENTICATED and a 401 denied response', async () => {
    const response = await check(checkRequest({}));
    expect(response.status.code).toBe(16);
    expect(response.denied_response!.status.code).toBe(401);
    const headers = headerMap(response, 'denied');
    expect(headers['www-authenticate']).toContain('Bearer realm="portcullis"');
    expect(headers['x-auth-reason']).toBe('missing_credential');
    expect(JSON.parse(response.denied_response!.body)).toEqual({
      status: 401,
      reason: 'missing_credential',
    });
  });

  it.each([
    [
      'a key with a wrong checksum',
      'Bearer pcl_00000000000000000000000000000000000000000000',
      'malformed_credential',
    ],
    ['a malformed header', 'Bearer a b', 'malformed_credential'],
    ['another scheme', 'Digest abc', 'unknown_credential'],
  ])('refuses %s with UNAUTHENTICATED', async (_name, authorization, reason) => {
    const response = await check(checkRequest({ authorization }));
    expect(response.status.code).toBe(16);
    expect(headerMap(response, 'denied')['x-auth-reason']).toBe(reason);
  });

  it('refuses a disabled owner with PERMISSION_DENIED and 403', async () => {
    const admin = client(service.url, service.adminKey);
    await admin.patch(`/v1/admin/users/${userId}`, { body: { disabled: true } });
    const response = await check(checkRequest({ authorization: `Bearer ${key}` }));
    expect(response.status.code).toBe(7);
    expect(response.denied_response!.status.code).toBe(403);
    expect(headerMap(response, 'denied')['x-auth-reason']).toBe('user_disabled');
    await admin.patch(`/v1/admin/users/${userId}`, { body: { disabled: false } });
  });

  it('treats a request with no attributes as one without credential, never as allowed', async () => {
    const response = await check({});
    expect(response.status.code).toBe(16);
  });

  it('answers undecodable bytes with a gRPC error and keeps serving', async () => {
    const raw = new grpc.Client(
      `127.0.0.1:${service.app.get(EnvoyGrpcServer).port}`,
      grpc.credentials.createInsecure(),
    );
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.makeUnaryRequest(
        '/envoy.service.auth.v3.Authorization/Check',
        () => Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        (b: Buffer) => b,
        {},
        (err) => resolve(err),
      ),
    );
    raw.close();
    expect(error?.code).toBe(grpc.status.INTERNAL);
    const after = await check(checkRequest({ authorization: `Bearer ${key}` }));
    expect(after.status.code).toBe(0);
  });

  it('answers UNAVAILABLE with a 503 when it cannot decide (database gone, key not cached)', async () => {
    const lonely = await startTestApp({ env: { GRPC_PORT: '0' } });
    const c = checkClient(lonely);
    await lonely.runtime.dataSource.destroy();
    const response = await new Promise<CheckResponse>((resolve, reject) =>
      c.Check(checkRequest({ authorization: `Bearer ${lonely.adminKey}` }), (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
    c.close();
    await lonely.close();
    expect(response.status.code).toBe(14);
    expect(response.denied_response!.status.code).toBe(503);
  });
});
