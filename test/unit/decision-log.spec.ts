import fc from 'fast-check';
import { latencyText } from '../../src/decision/decision-log.js';

describe(latencyText.name, () => {
  const asBefore = (ms: number) => `${Math.round(ms * 1000) / 1000}`;

  it('prints latencies as Math.round(ms * 1000) / 1000 would', () => {
    for (const ms of [
      0, -0, 0.0004, 0.0005, 0.001, 0.01, 0.012, 0.1, 0.12, 0.123, 1, 1.5, 2.05, 10.007, 1234.5678,
    ]) {
      expect(latencyText(ms)).toBe(asBefore(ms));
    }
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        (ms) => latencyText(ms) === asBefore(ms),
      ),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (micros) => {
        const ms = micros / 1000;
        return latencyText(ms) === asBefore(ms);
      }),
      { numRuns: 20_000 },
    );
  });
});
