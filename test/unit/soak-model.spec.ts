import {
  contradicts,
  expectAllowedWhen,
  Fact,
  PROPAGATION_MS,
} from '../../bench/soak/soak-model.js';

// The soak run's judge: if it were wrong, the soak would pass on wrong answers or fail on right ones.
describe(Fact.name, () => {
  const revokedAt = { from: 10_000, to: 10_050 };
  const change = (fact: Fact, value: boolean, window: { from: number; to: number }) =>
    fact.begin(value, window.from)(window.to);

  it('is its initial value for requests answered before a change began', () => {
    const revoked = new Fact(false);
    change(revoked, true, revokedAt);
    expect(revoked.at(9_000, 9_999)).toBe(false);
  });

  it('is in flux from the change until the propagation bound has passed', () => {
    const revoked = new Fact(false);
    change(revoked, true, revokedAt);
    expect(revoked.at(9_990, 10_010)).toBeUndefined();
    expect(revoked.at(10_060, 10_070)).toBeUndefined();
    expect(revoked.at(revokedAt.to + PROPAGATION_MS, revokedAt.to + PROPAGATION_MS + 5)).toBe(
      undefined,
    );
  });

  it('is the new value for requests sent after the bound', () => {
    const revoked = new Fact(false);
    change(revoked, true, revokedAt);
    expect(revoked.at(revokedAt.to + PROPAGATION_MS + 1, 12_000)).toBe(true);
    expect(revoked.current).toBe(true);
  });

  it('is in flux while a change has not been answered, however long ago it began', () => {
    const revoked = new Fact(false);
    revoked.begin(true, 1_000);
    expect(revoked.at(60_000, 60_001)).toBeUndefined();
    expect(revoked.at(500, 900)).toBe(false);
  });

  it('follows a value that changes back and forth', () => {
    const disabled = new Fact(false);
    change(disabled, true, { from: 1_000, to: 1_010 });
    change(disabled, false, { from: 5_000, to: 5_010 });
    expect(disabled.at(3_000, 3_001)).toBe(true);
    expect(disabled.at(5_500, 5_501)).toBeUndefined();
    expect(disabled.at(7_000, 7_001)).toBe(false);
    expect(disabled.current).toBe(false);
  });
});

describe('expectations', () => {
  it('denies when any fact forbids, allows only when all permit', () => {
    expect(expectAllowedWhen([true, false])).toBe('deny');
    expect(expectAllowedWhen([false, undefined])).toBe('deny');
    expect(expectAllowedWhen([true, undefined])).toBe('either');
    expect(expectAllowedWhen([true, true])).toBe('allow');
  });

  it('counts only answers that no moment could explain', () => {
    expect(contradicts('allow', false)).toBe(true);
    expect(contradicts('deny', true)).toBe(true);
    expect(contradicts('either', true)).toBe(false);
    expect(contradicts('allow', true)).toBe(false);
  });
});
