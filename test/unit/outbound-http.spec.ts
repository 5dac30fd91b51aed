import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundError, OutboundHttp } from '../../src/providers/outbound-http.js';

// A loopback server plays the provider; the outbound rules decide whether it may be reached.
describe(OutboundHttp.name, () => {
  let server: Server;
  let base: string;
  let port: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      } else if (req.url === '/big') {
        res.end('x'.repeat(5000));
      } else if (req.url === '/drip') {
        // A byte every 100 ms: never idle for the timeout, but never done within it either.
        res.writeHead(200, { 'content-type': 'application/json' });
        const drip = setInterval(() => res.write(' '), 100);
        res.on('close', () => clearInterval(drip));
        setTimeout(() => res.end('{}'), 2000);
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('{}'), 1000);
      } else {
        let body = '';
        req.on('data', (c: Buffer) => (body += c));
        req.on('end', () =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] })),
        );
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const allowing = (hosts: string[]) =>
    new OutboundHttp({ allowedHosts: hosts, timeoutMs: 300, maxBytes: 1000 });
  const strict = allowing([]);

  it.each([
    ['http://example.com/x', 'must use https'],
    ['ftp://example.com/x', 'must use https'],
    ['https://user:pw@example.com/', 'must not carry credentials'],
    ['https://127.0.0.1/', 'is an internal address'],
    ['https://169.254.169.254/latest/meta-data', 'is an internal address'],
    ['https://[::1]/', 'is an internal address'],
    ['https://[::ffff:10.0.0.1]/', 'is an internal address'],
    ['https://[::127.0.0.1]/', 'is an internal address'],
    ['https://[64:ff9b::7f00:1]/', 'is an internal address'],
    ['https://[2002:7f00:1::]/', 'is an internal address'],
    ['https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'is an internal address'],
    ['https://10.1.2.3/', 'is an internal address'],
    ['not a url', 'is not a valid URL'],
  ])('refuses %s by default', (url, why) => {
    expect(strict.refusal(url)).toContain(why);
  });

  it('accepts public https URLs', () => {
    expect(strict.refusal('https://login.example.com/.well-known/openid-configuration')).toBe(
      undefined,
    );
    expect(strict.refusal('https://93.184.216.34/')).toBeUndefined();
  });

  it('refuses a host name that resolves to an internal address', async () => {
    await expect(strict.get(`https://localhost:${port}/`)).rejects.toThrow(
      /resolves to an internal address/,
    );
  });

  it('reaches an allowed host over http, by address or by range', async () => {
    for (const client of [allowing(['127.0.0.1']), allowing(['127.0.0.0/8'])]) {
      const reply = await client.get(`${base}/json`);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ method: 'GET' });
    }
  });

  it('reaches an allowed host name that resolves to loopback', async () => {
    const reply = await allowing(['localhost']).get(`http://localhost:${port}/json`);
    expect(reply.status).toBe(200);
  });

  it('posts forms', async () => {
    const reply = await allowing(['127.0.0.1']).postForm(`${base}/form`, { token: 'a b&c' });
    expect(JSON.parse(reply.body)).toEqual({
      method: 'POST',
      body: 'token=a+b%26c',
      type: 'application/x-www-form-urlencoded',
    });
  });

  it('follows no redirect', async () => {
    await expect(allowing(['127.0.0.1']).get(`${base}/redirect`)).rejects.toThrow(
      /answered a redirect \(302\): not followed/,
    );
  });

  it('stops reading past the size limit', async () => {
    await expect(allowing(['127.0.0.1']).get(`${base}/big`)).rejects.toThrow(
      /more than 1000 bytes/,
    );
  });

  it('gives up after the timeout', async () => {
    const error = await allowing(['127.0.0.1'])
      .get(`${base}/slow`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundError);
    expect((error as Error).message).toMatch(/did not answer within 300 ms/);
  });

  it('gives up after the timeout even while the answer trickles in', async () => {
    const error = await allowing(['127.0.0.1'])
      .get(`${base}/drip`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundError);
    expect((error as Error).message).toMatch(/did not answer within 300 ms/);
  });
});
