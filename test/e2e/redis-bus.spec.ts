import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { RedisBus } from '../../src/cache/redis-store.js';
import type { Logger } from '../../src/logging/logger.js';
import { TEST_REDIS_URL } from '../support/databases.js';

/** Keeps this process busy: nothing else runs meanwhile. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/** A bus of its own (a fresh prefix), with its log lines and a count of the losses it reported. */
function watchedBus(): { bus: RedisBus; lines: string[]; losses: () => number } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const bus = new RedisBus(
    { url: TEST_REDIS_URL! },
    `bus-${randomBytes(4).toString('hex')}:`,
    logger as unknown as Logger,
  );
  let lost = 0;
  bus.onLost(() => lost++);
  return { bus, lines, losses: () => lost };
}

// The message bus against a real Redis: what every instance's cache trust rests on.
(TEST_REDIS_URL ? describe : describe.skip)('RedisBus', () => {
  it('subscribes during the connection handshake without dropping the connection', async () => {
    const { bus, lines, losses } = watchedBus();
    try {
      // A change feed subscribing while ioredis is between TCP connect and its ready check: it
      // used to send SUBSCRIBE at once and then refuse its own INFO, dropping the connection.
      const subscriber = (bus as unknown as { subscriber: NodeJS.EventEmitter }).subscriber;
      const heard: string[] = [];
      const subscribed = new Promise<void>((resolve, reject) =>
        subscriber.once('connect', () =>
          bus.subscribe('changes', (message) => heard.push(message)).then(resolve, reject),
        ),
      );
      await subscribed;
      expect(bus.live).toBe(true);
      await bus.publish('changes', 'hello');
      for (let i = 0; i < 50 && heard.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(heard).toEqual(['hello']);
      await new Promise((resolve) => setTimeout(resolve, 600)); // past a heartbeat
      expect(losses()).toBe(0);
      expect(lines.filter((line) => line.includes('Redis connection error'))).toEqual([]);
    } finally {
      await bus.close();
    }
  });

  it('does not take a pause of the process for a silent connection', async () => {
    const { bus, lines, losses } = watchedBus();
    try {
      await bus.subscribe('changes', () => undefined);
      // The next heartbeat PING is sent, then the process stalls (as in a long collection) past
      // the heartbeat's deadline; its PONG arrives meanwhile and is read only after the stall.
      const subscriber = (bus as unknown as { subscriber: { ping(): Promise<string> } }).subscriber;
      const ping = subscriber.ping.bind(subscriber);
      let stalls = 0;
      subscriber.ping = () => {
        const pong = ping();
        // Stalled outside the timers phase, as a long request or collection would be.
        if (stalls++ === 0) setImmediate(() => stall(1200));
        return pong;
      };
      for (let i = 0; i < 100 && stalls < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(stalls).toBeGreaterThanOrEqual(3);
      expect(losses()).toBe(0);
      expect(bus.live).toBe(true);
      expect(lines.filter((line) => line.includes('did not answer a heartbeat'))).toEqual([]);
    } finally {
      await bus.close();
    }
  });
});
