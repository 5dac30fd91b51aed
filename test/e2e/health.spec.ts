import { logLines } from '../support/decisions.js';
import { call, client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('Health endpoints', () => {
  describe('happy path', () => {
    let service: TestApp;

    beforeAll(async () => {
      service = await startTestApp();
    });
    afterAll(() => service.close());

    it('answers /healthz with 200 and no credential', async () => {
      const reply = await call(service.url, 'GET', '/healthz');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ status: 'ok' });
    });

    it("names every admin API answer with X-Request-Id: the caller's when sane, else a new one", async () => {
      const fresh = await call(service.url, 'GET', '/healthz');
      expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const echoed = await call(service.url, 'GET', '/v1/admin/users', {
        headers: { 'x-request-id': 'edge-7f3a.42' },
      });
      expect(echoed.status).toBe(401);
      expect(echoed.headers.get('x-request-id')).toBe('edge-7f3a.42');
      const insane = await call(service.url, 'GET', '/healthz', {
        headers: { 'x-request-id': 'x'.repeat(300) },
      });
      expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers /readyz with 200 when the database and the cache answer', async () => {
      const reply = await call(service.url, 'GET', '/readyz');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        status: 'ok',
        checks: { database: { status: 'ok' }, cache: { status: 'ok' } },
        warnings: [],
      });
    });
  });

  describe('a proxy nobody listed in trustedProxies', () => {
    let service: TestApp;

    beforeAll(async () => {
      service = await startTestApp();
    });
    afterAll(() => service.close());

    const authCall = () =>
      call(service.url, 'GET', '/v1/authz/nginx', {
        headers: {
          'x-original-uri': '/orders',
          'x-original-method': 'GET',
          'x-forwarded-for': '203.0.113.7',
        },
      });

    it('is named in /readyz warnings and logged once, until it is trusted', async () => {
      expect((await authCall()).status).toBe(401);
      expect((await authCall()).status).toBe(401);
      const ready = await call(service.url, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.warnings).toEqual([
        expect.stringMatching(
          /^Decision requests from 127\.0\.0\.1 carry X-Forwarded-For, but 127\.0\.0\.1 is not in the trustedProxies setting.*\(2 requests in the last 10 minutes\)$/,
        ),
      ]);
      const logged = (await logLines(service)).filter((line) =>
        String(line.msg).startsWith('Decision requests from 127.0.0.1 carry X-Forwarded-For'),
      );
      expect(logged).toEqual([expect.objectContaining({ level: 'warn', peer: '127.0.0.1' })]);

      const admin = client(service.url, service.adminKey);
      await admin.patch('/v1/admin/settings', { body: { trustedProxies: ['127.0.0.1'] } });
      expect((await authCall()).status).toBe(401);
      expect((await call(service.url, 'GET', '/readyz')).body.warnings).toEqual([]);
    });
  });

  describe('errors', () => {
    let service: TestApp;

    beforeAll(async () => {
      service = await startTestApp();
    });
    afterAll(async () => {
      // The data source is already gone; close() skips it and closes the rest.
      await service.close();
    });

    it('answers /readyz with 503 naming the database once it is gone, and stays live', async () => {
      expect((await call(service.url, 'GET', '/readyz')).status).toBe(200);
      await service.runtime.dataSource.destroy();

      const reply = await call(service.url, 'GET', '/readyz');
      expect(reply.status).toBe(503);
      expect(reply.body).toEqual({
        status: 'failing',
        checks: {
          database: { status: 'failing', detail: expect.any(String) },
          cache: { status: 'ok' },
        },
        warnings: [],
      });
      expect(reply.body.checks.database.detail.length).toBeGreaterThan(0);

      const live = await call(service.url, 'GET', '/healthz');
      expect(live.status).toBe(200);
      expect(live.body).toEqual({ status: 'ok' });
    });
  });
});
