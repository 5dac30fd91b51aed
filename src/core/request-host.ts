import { isIPv6 } from 'node:net';

/** A DNS-style name: letters, digits, `-` and `_` in dot-separated labels, one trailing dot. */
const NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/;
/** A last label that a URL parser reads as a number, making the whole host an IPv4 address. */
const NUMERIC_LABEL = /(?:^|\.)(?:0x[0-9a-f]*|[0-9]+)\.?$/;
const DOTTED_QUAD =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.?$/;
const PORT = /^\d{0,5}$/;
const MAX_NAME = 254;

/**
 * The host name a request is for, as its upstream will read it: lower case, without port or
 * trailing dot; '' when the request names no host. Undefined when the value is not plainly a host:
 * percent-encoding, userinfo (`other@admin.example.com`), a list (`a, b`), a path, spaces,
 * non-ASCII, a number-ending name that a URL parser reads as an IPv4 address in another spelling
 * (`0x7f.1`, `2130706433`), or a bad port. Such a host is refused (`invalid_host`), since
 * host-scoped rules would compare it as written while the upstream reads another host
 * (`admin%2eexample.com` is admin.example.com to WHATWG URL parsers).
 */
export function requestHostname(value: string): string | undefined {
  if (value === '') return '';
  const host = value.toLowerCase();
  if (host.startsWith('[')) return ipLiteral(host);
  const colon = host.indexOf(':');
  const name = colon < 0 ? host : host.slice(0, colon);
  if (colon >= 0 && !validPort(host.slice(colon + 1))) return undefined;
  if (name.length > MAX_NAME || !NAME.test(name)) return undefined;
  if (NUMERIC_LABEL.test(name) && !DOTTED_QUAD.test(name)) return undefined;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function ipLiteral(host: string): string | undefined {
  const end = host.indexOf(']');
  if (end < 0) return undefined;
  const rest = host.slice(end + 1);
  if (rest !== '' && !(rest.startsWith(':') && validPort(rest.slice(1)))) return undefined;
  const address = host.slice(1, end);
  // No zone ids (`%25eth0`): URL parsers refuse them, or read them their own way.
  if (address.includes('%') || !isIPv6(address)) return undefined;
  // The canonical form, as a URL parser writes it: [0:0::1] is [::1].
  return new URL(`http://[${address}]/`).hostname;
}

function validPort(port: string): boolean {
  return PORT.test(port) && (port === '' || Number(port) <= 65_535);
}

/**
 * requestHostname with the last answer remembered: the hosts of consecutive requests are mostly
 * the same string, and this runs on every decision.
 */
export class HostnameMemo {
  private lastValue: string | undefined;
  private lastHostname: string | undefined;

  of(value: string): string | undefined {
    if (value !== this.lastValue) {
      this.lastHostname = requestHostname(value);
      this.lastValue = value;
    }
    return this.lastHostname;
  }
}
