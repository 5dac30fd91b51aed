import { BlockList, isIP } from 'node:net';

const MAPPED = new BlockList();
MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');

/**
 * Folds IPv4-mapped IPv6 (::ffff:10.0.0.1, ::ffff:a00:1, 0:0:0:0:0:ffff:...) to IPv4, and strips
 * IPv6 zone ids and brackets, so one client has one address wherever it is used.
 */
export function normaliseIp(address: string): string | undefined {
  let ip = address.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family === 0) return undefined;
  const lower = ip.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) return ip.slice(7);
  return MAPPED.check(lower, 'ipv6') ? mappedToIpv4(lower) : lower;
}

/** The IPv4 address in the low 32 bits of an IPv4-mapped IPv6 address. */
function mappedToIpv4(ip: string): string {
  const groups = ip.split(':');
  if (groups.at(-1)!.includes('.')) return groups.at(-1)!;
  const low = parseInt(groups.at(-1) || '0', 16);
  const high = parseInt(groups.at(-2) || '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** A set of addresses and CIDR ranges, matched with IPv4-mapped addresses folded to IPv4. */
export class IpRanges {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(ranges: readonly string[]) {
    for (const range of ranges) {
      const [address, prefixText] = range.split('/');
      const ip = normaliseIp(address!);
      if (ip === undefined) continue;
      const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
      let prefix = prefixText === undefined ? undefined : Number(prefixText);
      // A mapped range (::ffff:10.0.0.0/104) folded to IPv4 keeps its prefix within the IPv4 part.
      if (
        prefix !== undefined &&
        family === 'ipv4' &&
        isIP(address!.replace(/^\[|\]$/g, '')) === 6
      ) {
        prefix = Math.max(0, prefix - 96);
      }
      if (prefix === undefined) this.list.addAddress(ip, family);
      else this.list.addSubnet(ip, prefix, family);
    }
    this.empty = ranges.length === 0;
  }

  /** False for anything that is not an address (an unknown client is in no range). */
  has(ip: string): boolean {
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

const MAX_FORWARDED_ENTRIES = 64;

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy; then X-Forwarded-For
 * is walked from the right, skipping trusted proxies, and the first untrusted entry is the client.
 * With no trusted proxies, X-Forwarded-For is ignored, so a client cannot choose its own address.
 */
export function resolveClientIp(
  socketIp: string,
  forwardedFor: string | readonly string[] | undefined,
  trusted: IpRanges,
): string {
  const peer = normaliseIp(socketIp) ?? socketIp;
  if (trusted.empty || forwardedFor === undefined || !trusted.has(peer)) return peer;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor as string))
    .split(',')
    .slice(-MAX_FORWARDED_ENTRIES);
  let client = peer;
  for (let i = entries.length - 1; i >= 0; i--) {
    const ip = normaliseIp(entries[i]!);
    // A malformed entry cannot be trusted or attributed: stop at the last trustworthy hop.
    if (ip === undefined) return client;
    client = ip;
    if (!trusted.has(ip)) return ip;
  }
  return client;
}
