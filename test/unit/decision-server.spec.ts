import { jest } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import {
  DecisionServer,
  decisionRoute,
  type DecisionHandlers,
} from '../../src/adapters/decision-server.js';

/** A decision server on a loopback port whose handlers fail as told. */
async function serve(handlers: DecisionHandlers) {
  const logger = pino({ level: 'silent' });
  const errors = jest.spyOn(logger, 'error');
  const decisions = new DecisionServer(
    (_request, response) => response.writeHead(404).end(),
    logger,
  );
  decisions.attach(handlers);
  await new Promise<void>((resolve) => decisions.server.listen(0, '127.0.0.1', resolve));
  const { port } = decisions.server.address() as AddressInfo;
  return {
    errors,
    status: async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status,
    close: () => new Promise((resolve) => decisions.server.close(resolve)),
  };
}

describe(DecisionServer.name, () => {
  it.each([
    [
      'throws at once',
      () => {
        throw new Error('boom');
      },
    ],
    ['rejects', () => Promise.reject(new Error('boom'))],
  ])(
    'refuses, never allows, when a handler %s: 403 for nginx, 503 for forward auth and Envoy',
    async (_name, fail) => {
      const server = await serve({ nginx: fail, forward: fail, envoy: fail });
      try {
        expect(await server.status('/v1/authz/nginx')).toBe(403);
        expect(await server.status('/v1/authz/forward?x=1')).toBe(503);
        expect(await server.status('/v1/authz/envoy/x')).toBe(503);
        expect(server.errors).toHaveBeenCalledWith(
          { err: 'boom', route: 'nginx' },
          'Decision endpoint failed',
        );
      } finally {
        await server.close();
      }
    },
  );

  it.each([
    ['/v1/authz/nginx', 'nginx'],
    ['/v1/authz/nginx/', 'nginx'],
    ['/v1/authz/nginx?a=1', 'nginx'],
    ['/v1/authz/nginxx', undefined],
    ['/v1/authz/nginx/x', undefined],
    ['/v1/authz/forward', 'forward'],
    ['/v1/authz/forward?page=2', 'forward'],
    ['/v1/authz/forward/', 'forward'],
    ['/v1/authz/forward/orders', undefined],
    ['/v1/authz/forwarded', undefined],
    ['/v1/authz/envoy/orders/1', 'envoy'],
    ['/v1/authz/envoy', 'envoy'],
    ['/v1/authz/envoyx', undefined],
    ['/v1/admin/keys', undefined],
    ['/v1/authzx/nginx', undefined],
  ])('routes %s to %s', (url, kind) => {
    expect(decisionRoute(url)?.kind).toBe(kind);
    if (kind !== undefined) expect(decisionRoute(url)?.ruleSet).toBeNull();
  });

  it.each([
    ['/v1/authz/rule-sets/orders-api/nginx', 'nginx', 'orders-api', 36],
    ['/v1/authz/rule-sets/orders-api/nginx?x=1', 'nginx', 'orders-api', 36],
    ['/v1/authz/rule-sets/a/forward?ruleSet=b', 'forward', 'a', 29],
    ['/v1/authz/rule-sets/orders.v2/envoy/orders/1', 'envoy', 'orders.v2', 35],
    ['/v1/authz/rule-sets/orders/envoy', 'envoy', 'orders', 32],
  ])('routes %s to %s with rule set %s', (url, kind, ruleSet, pathLength) => {
    expect(decisionRoute(url)).toEqual({ kind, ruleSet, pathLength });
  });

  it.each([
    '/v1/authz/rule-sets/orders-api',
    '/v1/authz/rule-sets/orders-api/',
    '/v1/authz/rule-sets//nginx',
    '/v1/authz/rule-sets/Orders/nginx',
    '/v1/authz/rule-sets/%6frders/nginx',
    '/v1/authz/rule-sets/a/b/nginx',
    '/v1/authz/rule-sets/orders/nginx/x',
    '/v1/authz/rule-sets/orders/envoyx',
    '/v1/authz/rule-sets/orders/rule-sets/x/nginx',
  ])('leaves %s to the framework (404)', (url) => {
    expect(decisionRoute(url)).toBeUndefined();
  });
});
