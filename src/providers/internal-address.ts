import ipaddr from 'ipaddr.js';

/**
 * Whether an admin-configured URL must not reach this address (SSRF, OWASP API7): anything but a
 * global unicast address, as ipaddr.js classifies them (loopback, private, link-local and the
 * metadata service, carrier-grade NAT, multicast, reserved, ...). IPv6 forms that carry an IPv4
 * address are judged by that address: IPv4-mapped and -compatible (`::ffff:127.0.0.1`,
 * `::127.0.0.1`), SIIT (`::ffff:0:7f00:1`), NAT64 (`64:ff9b::7f00:1`), 6to4 (`2002:7f00:1::`) and
 * Teredo (its server and its client). What does not parse counts as internal.
 */
export function isInternalAddress(address: string): boolean {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(bare);
  } catch {
    return true;
  }
  if (parsed.kind() === 'ipv4') return parsed.range() !== 'unicast';
  const embedded = embeddedIpv4(parsed as ipaddr.IPv6);
  if (embedded.length > 0) return embedded.some((v4) => v4.range() !== 'unicast');
  return parsed.range() !== 'unicast';
}

/** The IPv4 addresses an IPv6 address carries, by its form; none for a plain IPv6 address. */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  const p = address.parts;
  const v4 = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return [v4(p[6]!, p[7]!)];
    case '6to4':
      return [v4(p[1]!, p[2]!)];
    case 'teredo':
      // The server in bits 32-63, the client in the last 32 bits, inverted.
      return [v4(p[2]!, p[3]!), v4(~p[6]! & 0xffff, ~p[7]! & 0xffff)];
  }
  // IPv4-compatible (::a.b.c.d, deprecated but still parsed by many stacks), :: and ::1 included.
  if (p.slice(0, 6).every((part) => part === 0)) return [v4(p[6]!, p[7]!)];
  return [];
}
