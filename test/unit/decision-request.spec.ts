import { forUri } from '../../src/core/decision-request.js';

describe(forUri.name, () => {
  const fields = {
    interface: 'nginx',
    method: 'GET',
    host: 'api',
    clientIp: '127.0.0.1',
    authorization: [],
    requestId: null,
  } as const;

  it('keeps the raw path without its query, and normalises the path when asked', () => {
    const request = forUri('/a//b/../c?x=1', { ...fields, authorization: [] });
    expect(request.rawPath).toBe('/a//b/../c');
    expect(request.path).toBe('/a/c');
    expect(request.path).toBe('/a/c');
  });

  it('cuts the raw path at the query string or fragment, whichever comes first', () => {
    expect(forUri('/a#frag?x', { ...fields }).rawPath).toBe('/a');
    expect(forUri('/a?x#frag', { ...fields }).rawPath).toBe('/a');
    expect(forUri('/a#frag', { ...fields }).path).toBe('/a');
  });

  it('gives no path for one that cannot be normalised', () => {
    expect(forUri('/%zz', { ...fields, authorization: [] }).path).toBeUndefined();
    expect(forUri('', { ...fields, authorization: [] }).rawPath).toBe('');
  });

  it('carries the other fields as given', () => {
    const request = forUri('/x', { ...fields, authorization: ['Bearer a'] });
    expect(request).toMatchObject({
      interface: 'nginx',
      method: 'GET',
      host: 'api',
      authorization: ['Bearer a'],
    });
  });
});
