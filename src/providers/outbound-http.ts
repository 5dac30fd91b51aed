import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { IpRanges, normaliseIp } from '../core/client-ip.js';
import { isInternalAddress } from './internal-address.js';

export class OutboundError extends Error {
  override name = 'OutboundError';
}

export interface OutboundResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface OutboundOptions {
  /** Hosts (names, addresses or CIDR ranges) that may be reached over http and on internal addresses. */
  allowedHosts: readonly string[];
  timeoutMs: number;
  maxBytes: number;
}

/**
 * The only way Portcullis fetches an admin-configured URL (discovery, JWKS, userinfo,
 * introspection, token): https only, a short timeout, no redirects, a size limit, and never an
 * internal address (loopback, private, link-local, metadata) unless the host is explicitly allowed.
 * The address check runs on the resolved address the connection then uses, so a DNS answer cannot
 * swap in an internal address after the check.
 */
export class OutboundHttp {
  private readonly allowedNames: ReadonlySet<string>;
  private readonly allowedRanges: IpRanges;

  constructor(private readonly options: OutboundOptions) {
    const names = options.allowedHosts.filter(
      (host) => normaliseIp(host.split('/')[0]!) === undefined,
    );
    this.allowedNames = new Set(names.map((name) => name.toLowerCase()));
    this.allowedRanges = new IpRanges(options.allowedHosts.filter((host) => !names.includes(host)));
  }

  /** Why this URL may not be fetched, or undefined when it may (the address is checked later). */
  refusal(url: string): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'is not a valid URL';
    }
    if (parsed.username || parsed.password) return 'must not carry credentials';
    const allowed = this.isAllowedHost(parsed.hostname);
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && allowed)) {
      return 'must use https (http only for hosts in OUTBOUND_ALLOWED_HOSTS)';
    }
    // An address in the URL is connected to without a lookup: check it here.
    const ip = normaliseIp(parsed.hostname);
    if (ip !== undefined && !allowed && isInternalAddress(ip)) {
      return 'is an internal address (allow it with OUTBOUND_ALLOWED_HOSTS)';
    }
    return undefined;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<OutboundResponse> {
    return this.send('GET', url, headers);
  }

  postForm(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<OutboundResponse> {
    return this.send(
      'POST',
      url,
      { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams(form).toString(),
    );
  }

  private send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<OutboundResponse> {
    const refusal = this.refusal(url);
    if (refusal !== undefined) return Promise.reject(new OutboundError(`${url} ${refusal}`));
    const parsed = new URL(url);
    const hostname = parsed.hostname.replace(/^\[|\]$/g, '');
    const request = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<OutboundResponse>((resolve, reject) => {
      const req = request(
        parsed,
        {
          method,
          headers: { accept: 'application/json', 'user-agent': 'portcullis', ...headers },
          timeout: this.options.timeoutMs,
          lookup: this.guardedLookup(hostname),
        },
        (res) => {
          if ((res.statusCode ?? 0) >= 300 && (res.statusCode ?? 0) < 400) {
            res.resume();
            reject(
              new OutboundError(`${url} answered a redirect (${res.statusCode}): not followed`),
            );
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.options.maxBytes) {
              // Settles the promise first: the end of a destroyed response must not resolve it.
              reject(new OutboundError(`${url} answered more than ${this.options.maxBytes} bytes`));
              res.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      // The socket timeout catches silence; the deadline also catches an answer that trickles.
      const timedOut = () =>
        req.destroy(new OutboundError(`${url} did not answer within ${this.options.timeoutMs} ms`));
      req.on('timeout', timedOut);
      const deadline = setTimeout(timedOut, this.options.timeoutMs);
      req.on('close', () => clearTimeout(deadline));
      req.on('error', (error) =>
        reject(
          error instanceof OutboundError ? error : new OutboundError(`${url}: ${error.message}`),
        ),
      );
      req.end(body);
    });
  }

  private isAllowedHost(hostname: string): boolean {
    const bare = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (this.allowedNames.has(bare)) return true;
    const ip = normaliseIp(bare);
    return ip !== undefined && this.allowedRanges.has(ip);
  }

  /** dns.lookup, refusing internal addresses for hosts that are not explicitly allowed. */
  private guardedLookup(hostname: string): LookupFunction {
    const nameAllowed = this.allowedNames.has(hostname.toLowerCase());
    return (host, options, callback) => {
      dnsLookup(host, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 0);
        const usable = addresses.filter((entry) => {
          const ip = normaliseIp(entry.address) ?? entry.address;
          return nameAllowed || this.allowedRanges.has(ip) || !isInternalAddress(ip);
        });
        if (usable.length === 0) {
          const refused = new OutboundError(
            `${host} resolves to an internal address (allow it with OUTBOUND_ALLOWED_HOSTS)`,
          );
          return callback(refused as NodeJS.ErrnoException, '', 0);
        }
        if ((options as { all?: boolean }).all) {
          return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        }
        callback(null, usable[0]!.address, usable[0]!.family);
      });
    };
  }
}

/** Parses a JSON object answer, or says why it is not one. */
export function jsonObject(response: OutboundResponse, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(response.body);
  } catch {
    throw new OutboundError(`${what} did not answer JSON (HTTP ${response.status})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OutboundError(`${what} did not answer a JSON object (HTTP ${response.status})`);
  }
  return value as Record<string, unknown>;
}
