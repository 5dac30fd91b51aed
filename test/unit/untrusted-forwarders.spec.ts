import { jest } from '@jest/globals';
import { pino } from 'pino';
import { UntrustedForwarders } from '../../src/adapters/untrusted-forwarders.js';
import { IpRanges } from '../../src/core/client-ip.js';

const MINUTE = 60_000;
const NONE = new IpRanges([]);

function forwarders() {
  const logger = pino({ level: 'silent' });
  const warn = jest.spyOn(logger, 'warn');
  return { warn, seen: new UntrustedForwarders(logger) };
}

describe(UntrustedForwarders.name, () => {
  it('logs a peer at most every 5 minutes, and names it in the warnings for 10', () => {
    const { warn, seen } = forwarders();
    seen.note('10.0.0.5', 0);
    seen.note('10.0.0.5', 4 * MINUTE);
    expect(warn).toHaveBeenCalledTimes(1);
    seen.note('10.0.0.5', 5 * MINUTE);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(seen.warnings(NONE, 14 * MINUTE)).toEqual([
      expect.stringContaining('from 10.0.0.5 carry X-Forwarded-For'),
    ]);
    expect(seen.warnings(NONE, 16 * MINUTE)).toEqual([]);
  });

  it('drops a peer from the warnings once it is trusted', () => {
    const { seen } = forwarders();
    seen.note('10.0.0.5', 0);
    seen.note('10.0.0.6', 0);
    expect(seen.warnings(new IpRanges(['10.0.0.5']), 1)).toEqual([
      expect.stringContaining('from 10.0.0.6 '),
    ]);
  });

  it('remembers at most 16 peers, making room as old ones expire', () => {
    const { seen } = forwarders();
    for (let i = 0; i < 20; i++) seen.note(`10.0.0.${i}`, 0);
    expect(seen.warnings(NONE, 1)).toHaveLength(16);
    seen.note('10.0.1.1', 11 * MINUTE);
    expect(seen.warnings(NONE, 11 * MINUTE)).toEqual([expect.stringContaining('10.0.1.1')]);
  });
});
