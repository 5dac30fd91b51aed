import { Inject, Injectable } from '@nestjs/common';
import type { IpRanges } from '../core/client-ip.js';
import { LOGGER, type Logger } from '../logging/logger.js';

/** How long a sighting stays in /readyz, and how often each peer is logged at most. */
const WINDOW_MS = 10 * 60_000;
const LOG_EVERY_MS = 5 * 60_000;
/** Peers remembered at once: a handful of proxies, not every client of a misrouted port. */
const MAX_PEERS = 16;

interface Sighting {
  count: number;
  last: number;
  logged: number;
}

/**
 * Auth calls that carry X-Forwarded-For from a peer outside the trustedProxies setting: almost
 * always a proxy Portcullis was not told about. Its X-Forwarded-For is rightly ignored, so every
 * client of that proxy has the proxy's address: IP rules, failed-attempt limits and logs all see
 * one client, and one client's failures can lock out everyone behind it. Said in /readyz's
 * warnings and in a warning log line (at most every 5 minutes per peer).
 */
@Injectable()
export class UntrustedForwarders {
  private readonly peers = new Map<string, Sighting>();

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  note(peer: string, now = Date.now()): void {
    let sighting = this.peers.get(peer);
    if (sighting === undefined) {
      if (this.peers.size >= MAX_PEERS) this.forgetOld(now);
      if (this.peers.size >= MAX_PEERS) return;
      sighting = { count: 0, last: now, logged: -Infinity };
      this.peers.set(peer, sighting);
    }
    sighting.count++;
    sighting.last = now;
    if (now - sighting.logged >= LOG_EVERY_MS) {
      sighting.logged = now;
      this.logger.warn({ peer, requests: sighting.count }, message(peer));
    }
  }

  /** One line per peer seen in the last 10 minutes and still not trusted. */
  warnings(trusted: IpRanges, now = Date.now()): string[] {
    this.forgetOld(now);
    for (const peer of this.peers.keys()) if (trusted.has(peer)) this.peers.delete(peer);
    return [...this.peers].map(
      ([peer, { count }]) => `${message(peer)} (${count} requests in the last 10 minutes)`,
    );
  }

  private forgetOld(now: number): void {
    for (const [peer, sighting] of this.peers) {
      if (now - sighting.last > WINDOW_MS) this.peers.delete(peer);
    }
  }
}

function message(peer: string): string {
  return (
    `Decision requests from ${peer} carry X-Forwarded-For, but ${peer} is not in the ` +
    'trustedProxies setting: every client behind it is seen as that one address (IP rules, ' +
    'failed-attempt limits, logs). Add the proxy to trustedProxies'
  );
}
