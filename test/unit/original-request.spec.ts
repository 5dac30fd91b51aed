import type { IncomingMessage } from 'node:http';
import { readOriginalRequest, type HeaderContract } from '../../src/adapters/original-request.js';

/** An auth call carrying these raw headers (in order, repeats kept). */
function read(contract: HeaderContract, ...headers: [string, string][]) {
  const call = { rawHeaders: headers.flat() } as unknown as IncomingMessage;
  return readOriginalRequest(call, contract);
}

const NGINX: [string, string][] = [
  ['Host', 'api.example.com'],
  ['X-Original-URI', '/orders?x=1'],
  ['X-Original-Method', 'POST'],
];
const CADDY: [string, string][] = [
  ['Host', 'api.example.com'],
  ['X-Forwarded-Host', 'api.example.com'],
  ['X-Forwarded-Method', 'POST'],
  ['X-Forwarded-Uri', '/orders?x=1'],
];
const ORDERS = { refusal: null, original: { method: 'POST', uri: '/orders?x=1' } };

describe(readOriginalRequest.name, () => {
  describe('the nginx endpoint (X-Original-*, else X-Forwarded-*)', () => {
    it('reads X-Original-URI and -Method, and the host from Host', () => {
      expect(read('original-or-forwarded', ...NGINX)).toEqual({
        refusal: null,
        original: { method: 'POST', uri: '/orders?x=1', host: 'api.example.com' },
      });
    });

    it('reads the X-Forwarded set when no X-Original-URI is sent', () => {
      expect(read('original-or-forwarded', ...CADDY)).toMatchObject(ORDERS);
    });

    it('accepts both sets when they agree (a method in another case is the same method)', () => {
      expect(
        read(
          'original-or-forwarded',
          ...CADDY,
          ['X-Original-URI', '/orders?x=1'],
          ['x-original-method', 'post'],
        ),
      ).toMatchObject({ refusal: null, original: { uri: '/orders?x=1' } });
    });

    it.each([
      ['a URI', ['X-Original-URI', '/public/x']],
      ['a method', ['X-Original-Method', 'GET']],
    ] as const)("refuses a client's %s that disagrees with the proxy's", (_what, forged) => {
      expect(read('original-or-forwarded', ...CADDY, [...forged])).toMatchObject({
        refusal: 'ambiguous_request',
      });
    });

    it.each([
      ['X-Forwarded-Uri', '/public/x'],
      ['X-Forwarded-Method', 'GET'],
    ])("refuses a client's %s that disagrees with nginx's X-Original set", (name, value) => {
      expect(read('original-or-forwarded', ...NGINX, [name, value])).toMatchObject({
        refusal: 'ambiguous_request',
      });
    });

    it.each(['X-Original-URI', 'X-Original-Method', 'X-Forwarded-Host', 'Host'])(
      'refuses %s sent twice, even with one value',
      (name) => {
        const value = NGINX.find(([n]) => n === name)?.[1] ?? 'api.example.com';
        const sent: [string, string][] = [...NGINX, [name.toLowerCase(), value]];
        if (!NGINX.some(([n]) => n === name)) sent.push([name, value]);
        expect(read('original-or-forwarded', ...sent)).toMatchObject({
          refusal: 'ambiguous_request',
          detail: expect.stringContaining(name.toLowerCase()),
        });
      },
    );

    it('never guesses the method: a URI without its method is incomplete', () => {
      expect(read('original-or-forwarded', ['X-Original-URI', '/orders'])).toMatchObject({
        refusal: 'incomplete_request',
        detail: 'the proxy must send X-Original-URI and X-Original-Method',
      });
      // Not even from the other set: the client may have sent it.
      expect(
        read('original-or-forwarded', ['X-Original-URI', '/orders'], ['X-Forwarded-Method', 'GET']),
      ).toMatchObject({ refusal: 'incomplete_request' });
    });

    it('calls an empty URI, or none at all, incomplete', () => {
      expect(
        read('original-or-forwarded', ['X-Original-URI', ''], ['X-Original-Method', 'GET']),
      ).toMatchObject({ refusal: 'incomplete_request' });
      expect(read('original-or-forwarded')).toMatchObject({ refusal: 'incomplete_request' });
    });

    it('prefers X-Forwarded-Host to Host', () => {
      expect(
        read('original-or-forwarded', ...NGINX, ['X-Forwarded-Host', 'admin.example.com']),
      ).toMatchObject({ original: { host: 'admin.example.com' } });
    });

    it('ignores headers named like object internals', () => {
      expect(
        read('original-or-forwarded', ...NGINX, ['hasOwnProperty', 'x'], ['constructor', 'y']),
      ).toMatchObject(ORDERS);
    });
  });

  describe('the forward endpoint (X-Forwarded-* only)', () => {
    it('reads X-Forwarded-Method, -Uri and -Host (Traefik calls with its own Host)', () => {
      const traefik = CADDY.map(([n, v]): [string, string] =>
        n === 'Host' ? [n, 'portcullis.internal:8080'] : [n, v],
      );
      expect(read('forwarded', ...traefik)).toEqual({
        refusal: null,
        original: { method: 'POST', uri: '/orders?x=1', host: 'api.example.com' },
      });
    });

    it('never reads the X-Original set, even alone', () => {
      expect(read('forwarded', ...NGINX)).toMatchObject({
        refusal: 'incomplete_request',
        detail: 'the proxy must send X-Forwarded-Uri and X-Forwarded-Method',
      });
    });

    it('refuses an X-Original header that disagrees', () => {
      expect(read('forwarded', ...CADDY, ['X-Original-URI', '/public/x'])).toMatchObject({
        refusal: 'ambiguous_request',
      });
      expect(read('forwarded', ...CADDY, ['X-Original-Method', 'GET'])).toMatchObject({
        refusal: 'ambiguous_request',
      });
    });

    it.each(['X-Forwarded-Uri', 'X-Forwarded-Method', 'X-Forwarded-Host'])(
      'refuses %s sent twice',
      (name) => {
        const [, value] = CADDY.find(([n]) => n === name)!;
        expect(read('forwarded', ...CADDY, [name, value])).toMatchObject({
          refusal: 'ambiguous_request',
        });
      },
    );
  });
});
