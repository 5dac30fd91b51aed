import { isInternalAddress } from '../../src/providers/internal-address.js';

describe(isInternalAddress.name, () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'the metadata service'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['198.18.0.1', 'benchmarking'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', "AWS's IPv6 metadata service (unique local)"],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:a00:1', 'IPv4-mapped private, in hex'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::a9fe:a9fe', 'IPv4-compatible metadata service'],
    ['::ffff:0:7f00:1', 'SIIT (RFC 6145) loopback'],
    ['64:ff9b::7f00:1', 'NAT64 loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 metadata service'],
    ['64:ff9b:1::a00:1', 'local-use NAT64 private'],
    ['2002:7f00:1::', '6to4 loopback'],
    ['2002:a9fe:a9fe::1', '6to4 metadata service'],
    ['2001:0:7f00:1:0:0:ffff:ffff', 'Teredo with a loopback server'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo with a loopback client'],
    ['[::1]', 'a bracketed literal'],
    ['not an address', 'what does not parse'],
  ])('refuses %s (%s)', (address) => expect(isInternalAddress(address)).toBe(true));

  it.each([
    ['1.1.1.1', 'public IPv4'],
    ['93.184.215.14', 'public IPv4'],
    ['2606:4700:4700::1111', 'public IPv6'],
    ['::ffff:1.1.1.1', 'IPv4-mapped public'],
    ['64:ff9b::101:101', 'NAT64 public'],
    ['2002:101:101::1', '6to4 public'],
  ])('allows %s (%s)', (address) => expect(isInternalAddress(address)).toBe(false));
});
