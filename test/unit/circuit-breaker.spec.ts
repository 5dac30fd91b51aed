import {
  CircuitBreaker,
  CircuitOpenError,
  type CircuitState,
} from '../../src/providers/circuit-breaker.js';

/** A breaker on a clock the test moves, with a provider call the test scripts. */
function setUp(options = { failureThreshold: 3, cooldownMs: 10_000 }) {
  let now = 1_000_000;
  const changes: CircuitState[] = [];
  const breaker = new CircuitBreaker(
    options,
    () => now,
    (state) => changes.push(state),
  );
  let calls = 0;
  const call = (outcome: 'ok' | 'fail' | '5xx') =>
    breaker.run(
      async () => {
        calls++;
        if (outcome === 'fail') throw new Error('connect ECONNREFUSED');
        return { status: outcome === 'ok' ? 200 : 503 };
      },
      (response) => response.status >= 500,
    );
  return {
    breaker,
    changes,
    call,
    calls: () => calls,
    advance: (ms: number) => (now += ms),
  };
}

describe(CircuitBreaker.name, () => {
  it('stays closed through fewer consecutive failures than the threshold', async () => {
    const t = setUp();
    await expect(t.call('fail')).rejects.toThrow('ECONNREFUSED');
    await expect(t.call('5xx')).resolves.toEqual({ status: 503 });
    await t.call('ok');
    await expect(t.call('fail')).rejects.toThrow();
    await expect(t.call('fail')).rejects.toThrow();
    expect(t.breaker.state).toBe('closed');
    expect(t.calls()).toBe(5);
  });

  it('opens after N consecutive failures (errors or 5xx) and then refuses at once, without calling', async () => {
    const t = setUp();
    await expect(t.call('fail')).rejects.toThrow();
    await t.call('5xx');
    await expect(t.call('fail')).rejects.toThrow();
    expect(t.breaker.state).toBe('open');
    for (let i = 0; i < 20; i++) await expect(t.call('ok')).rejects.toThrow(CircuitOpenError);
    expect(t.calls()).toBe(3);
    t.advance(9_999);
    await expect(t.call('ok')).rejects.toThrow(CircuitOpenError);
    expect(t.calls()).toBe(3);
    expect(t.changes).toEqual(['open']);
  });

  it('lets one probe through after the cooldown; its success closes the circuit', async () => {
    const t = setUp();
    for (let i = 0; i < 3; i++) await expect(t.call('fail')).rejects.toThrow();
    t.advance(10_000);
    expect(t.breaker.state).toBe('half-open');
    await expect(t.call('ok')).resolves.toEqual({ status: 200 });
    expect(t.breaker.state).toBe('closed');
    await t.call('ok');
    expect(t.calls()).toBe(5);
    expect(t.changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('lets only one probe through at a time: the others are refused while it runs', async () => {
    const t = setUp();
    for (let i = 0; i < 3; i++) await expect(t.call('fail')).rejects.toThrow();
    t.advance(10_000);
    let release!: () => void;
    const probe = t.breaker.run(
      () => new Promise<string>((resolve) => (release = () => resolve('ok'))),
    );
    await expect(t.call('ok')).rejects.toThrow(CircuitOpenError);
    release();
    await expect(probe).resolves.toBe('ok');
    expect(t.breaker.state).toBe('closed');
  });

  it('opens again for a whole cooldown when the probe fails', async () => {
    const t = setUp();
    for (let i = 0; i < 3; i++) await expect(t.call('fail')).rejects.toThrow();
    t.advance(10_000);
    await t.call('5xx');
    expect(t.breaker.state).toBe('open');
    t.advance(9_000);
    await expect(t.call('ok')).rejects.toThrow(CircuitOpenError);
    t.advance(1_000);
    await t.call('ok');
    expect(t.breaker.state).toBe('closed');
    expect(t.calls()).toBe(5);
  });

  it('never opens with a threshold of 0', async () => {
    const t = setUp({ failureThreshold: 0, cooldownMs: 10_000 });
    for (let i = 0; i < 10; i++) await expect(t.call('fail')).rejects.toThrow('ECONNREFUSED');
    expect(t.calls()).toBe(10);
  });
});
