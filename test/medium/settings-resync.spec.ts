import { ChangeFeed } from '../../src/cache/change-feed.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { MessageBus } from '../../src/cache/shared-store.js';
import { SettingsService } from '../../src/settings/settings.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A bus whose connection can be lost on demand (as when Redis goes away). */
class LosableBus extends MessageBus {
  readonly kind = 'redis';
  live = true;
  private readonly lost: (() => void)[] = [];
  async publish(): Promise<void> {}
  async subscribe(): Promise<void> {}
  onLost(handler: () => void): void {
    this.lost.push(handler);
  }
  onRestored(): void {}
  lose(): void {
    this.live = false;
    for (const handler of this.lost) handler();
  }
  async close(): Promise<void> {}
}

describe(SettingsService.name, () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await startTestApp();
  });
  afterAll(() => service.close());

  it('catches up with a change it missed while its bus was down', async () => {
    const bus = new LosableBus();
    const settings = new SettingsService(
      service.runtime.dataSource,
      new ChangeFeed(bus, service.runtime.logger, new Metrics()),
      bus,
      service.runtime.logger,
    );
    await settings.onModuleInit();
    try {
      expect(settings.current().identityHeaderStyle).toBe('x-auth');
      // Another instance changes the settings; the announcement never arrives.
      await service.runtime.dataSource.query(
        `UPDATE settings SET version = version + 1, identity_header_style = 'kong'`,
      );
      bus.lose();
      const deadline = Date.now() + 8000;
      while (settings.current().identityHeaderStyle !== 'kong' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(settings.current().identityHeaderStyle).toBe('kong');
    } finally {
      settings.onApplicationShutdown();
    }
  });
});
