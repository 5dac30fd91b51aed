import fc from 'fast-check';
import { IpRanges, normaliseIp, resolveClientIp } from '../../src/core/client-ip.js';

describe(normaliseIp.name, () => {
  it.each([
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:192.0.2.7', '192.0.2.7'],
    ['[::ffff:10.0.0.1]', '10.0.0.1'],
    ['::ffff:a00:1', '10.0.0.1'],
    ['0:0:0:0:0:ffff:10.0.0.1', '10.0.0.1'],
  ])('folds the IPv4-mapped address %s to IPv4', (input, expected) => {
    expect(normaliseIp(input)).toBe(expected);
  });

  it('strips an IPv6 zone id', () => {
    expect(normaliseIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normaliseIp('fe80::1%25')).toBe('fe80::1');
  });

  it('strips brackets and surrounding blanks, and lower-cases IPv6', () => {
    expect(normaliseIp('[2001:DB8::1]')).toBe('2001:db8::1');
    expect(normaliseIp('  203.0.113.9 ')).toBe('203.0.113.9');
  });

  it.each([
    '',
    'garbage',
    '1.2.3',
    '256.0.0.1',
    '1.2.3.4:80',
    '[1.2.3.4]:80',
    '::ffff:',
    'unknown',
  ])('refuses %j', (input) => {
    expect(normaliseIp(input)).toBeUndefined();
  });
});

describe(IpRanges.name, () => {
  it('keeps the IPv4 part of an IPv4-mapped range', () => {
    const ranges = new IpRanges(['::ffff:10.0.0.0/104']);
    expect(ranges.has('10.9.8.7')).toBe(true);
    expect(ranges.has('11.0.0.1')).toBe(false);
  });

  it('matches addresses and CIDR ranges of both families', () => {
    const ranges = new IpRanges(['10.0.0.0/8', '192.0.2.5', 'fd00::/8']);
    expect(ranges.empty).toBe(false);
    expect(ranges.has('10.200.3.4')).toBe(true);
    expect(ranges.has('192.0.2.5')).toBe(true);
    expect(ranges.has('192.0.2.6')).toBe(false);
    expect(ranges.has('11.0.0.1')).toBe(false);
    expect(ranges.has('fd12::1')).toBe(true);
    expect(ranges.has('fe80::1')).toBe(false);
  });

  it('matches IPv4-mapped addresses against IPv4 ranges', () => {
    const ranges = new IpRanges(['10.0.0.0/8']);
    expect(ranges.has('::ffff:10.1.2.3')).toBe(true);
    expect(ranges.has('::ffff:11.1.2.3')).toBe(false);
  });

  it('folds an IPv4-mapped entry to IPv4', () => {
    expect(new IpRanges(['::ffff:10.0.0.1']).has('10.0.0.1')).toBe(true);
  });

  it('is empty only without ranges', () => {
    expect(new IpRanges([]).empty).toBe(true);
    expect(new IpRanges([]).has('10.0.0.1')).toBe(false);
  });
});

describe(resolveClientIp.name, () => {
  const proxies = new IpRanges(['10.0.0.0/8']);
  const proxy = '10.0.0.5';

  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    expect(resolveClientIp('198.51.100.1', '203.0.113.7', new IpRanges([]))).toBe('198.51.100.1');
    expect(resolveClientIp(proxy, '203.0.113.7', new IpRanges([]))).toBe(proxy);
  });

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(resolveClientIp('198.51.100.1', '203.0.113.7', proxies)).toBe('198.51.100.1');
  });

  it('returns the normalised peer when there is no X-Forwarded-For', () => {
    expect(resolveClientIp('::ffff:10.0.0.5', undefined, proxies)).toBe('10.0.0.5');
  });

  it('walks from the right past trusted proxies to the first untrusted entry', () => {
    expect(resolveClientIp(proxy, '203.0.113.7, 10.0.0.2, 10.0.0.3', proxies)).toBe('203.0.113.7');
  });

  it('does not choose a spoofed left-most entry', () => {
    expect(resolveClientIp(proxy, '1.1.1.1, 203.0.113.7, 10.0.0.2', proxies)).toBe('203.0.113.7');
  });

  it('stops at the last good hop on a malformed entry', () => {
    expect(resolveClientIp(proxy, '1.1.1.1, garbage, 10.0.0.2', proxies)).toBe('10.0.0.2');
    expect(resolveClientIp(proxy, '1.1.1.1, not-an-ip', proxies)).toBe(proxy);
    expect(resolveClientIp(proxy, '', proxies)).toBe(proxy);
  });

  it('joins several X-Forwarded-For headers in order', () => {
    expect(resolveClientIp(proxy, ['1.1.1.1, 203.0.113.9', '10.0.0.2'], proxies)).toBe(
      '203.0.113.9',
    );
    expect(resolveClientIp(proxy, ['203.0.113.9', '10.0.0.2, 198.51.100.4'], proxies)).toBe(
      '198.51.100.4',
    );
  });

  it('normalises the entries it returns', () => {
    expect(resolveClientIp(proxy, ' [::ffff:203.0.113.7] ', proxies)).toBe('203.0.113.7');
    expect(resolveClientIp(proxy, '2001:DB8::1', proxies)).toBe('2001:db8::1');
  });

  it('trusts an IPv4-mapped peer by its IPv4 range', () => {
    expect(resolveClientIp('::ffff:10.0.0.5', '203.0.113.7', proxies)).toBe('203.0.113.7');
  });

  it('returns the left-most entry when every hop is trusted', () => {
    expect(resolveClientIp(proxy, '10.0.0.1, 10.0.0.2', proxies)).toBe('10.0.0.1');
  });

  it('returns the peer, whatever X-Forwarded-For says, when the peer is not trusted', () => {
    const untrustedPeer = fc
      .oneof(
        fc.ipV4(),
        fc.ipV6(),
        fc.ipV4().map((ip) => `::ffff:${ip}`),
      )
      .filter((ip) => !proxies.has(normaliseIp(ip)!));
    const entry = fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 }));
    const xff = fc.oneof(
      fc.constant(undefined),
      fc.array(entry, { maxLength: 5 }).map((e) => e.join(', ')),
      fc.array(
        fc.array(entry, { maxLength: 3 }).map((e) => e.join(',')),
        { maxLength: 3 },
      ),
    );
    fc.assert(
      fc.property(untrustedPeer, xff, (peer, forwarded) => {
        expect(resolveClientIp(peer, forwarded, proxies)).toBe(normaliseIp(peer));
      }),
      { numRuns: 500 },
    );
  });
});
