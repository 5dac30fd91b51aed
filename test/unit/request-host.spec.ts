import fc from 'fast-check';
import { requestHostname } from '../../src/core/request-host.js';

/** How a WHATWG URL parser (Node's, browsers', most frameworks') reads a Host value. */
function urlHostname(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

describe(requestHostname.name, () => {
  it.each([
    ['API.Example.com', 'api.example.com'],
    ['api.example.com:8443', 'api.example.com'],
    ['api.example.com.', 'api.example.com'],
    ['api.example.com:', 'api.example.com'],
    ['under_score.example.com', 'under_score.example.com'],
    ['localhost', 'localhost'],
    ['10.0.0.1', '10.0.0.1'],
    ['10.0.0.1:80', '10.0.0.1'],
    ['[::1]:8080', '[::1]'],
    ['[0:0::1]', '[::1]'],
    ['[::FFFF:127.0.0.1]', '[::ffff:7f00:1]'],
    ['', ''],
  ])('reads %j as %j', (host, hostname) => expect(requestHostname(host)).toBe(hostname));

  it.each([
    'admin%2eexample.com',
    'other@admin.example.com',
    'admin.example.com@other',
    'admin.example.com, other.example.com',
    'admin.example.com/x',
    'admin.example.com\\x',
    'admin.example.com?x',
    'admin.example.com#x',
    'admin example.com',
    ' admin.example.com',
    'ädmin.example.com',
    'admin..example.com',
    '.admin.example.com',
    'admin.example.com:http',
    'admin.example.com:99999',
    'admin.example.com:80:80',
    '0x7f.1',
    '2130706433',
    '127.1',
    '0177.0.0.1',
    '01.02.03.04',
    '256.0.0.1',
    'example.0x',
    '[::1',
    '[fe80::1%25eth0]',
    '[not-v6]',
    '[::1]x',
    `${'a'.repeat(255)}.com`,
  ])('refuses %j', (host) => expect(requestHostname(host)).toBeUndefined());

  it('agrees with a URL parser on every host it accepts', () => {
    const piece = fc.constantFrom(
      'admin',
      'example',
      'com',
      '.',
      '..',
      '-',
      '_',
      '%2e',
      '%41',
      '@',
      ':',
      '80',
      '0x7f',
      '1',
      '255',
      '[',
      ']',
      '::1',
      ' ',
      'A',
      'ä',
      '/',
      '\\',
      ',',
      '#',
      '?',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const host = pieces.join('');
        const ours = requestHostname(host);
        if (ours === undefined || ours === '') return;
        expect({ host, hostname: urlHostname(host) }).toEqual({ host, hostname: ours });
      }),
      { numRuns: 5000 },
    );
  });
});
