import { call } from '../support/http.js';
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
