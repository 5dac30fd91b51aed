import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it); CHROMIUM_PATH names another. */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path): path is string => path !== undefined && existsSync(path),
);

export function chromiumAvailable(): boolean {
  return CHROMIUM !== undefined;
}

/** One headless Chromium for a spec, driven by Playwright over CDP. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * Where screenshots go: docs/console when CONSOLE_SCREENSHOTS=docs (`npm run screenshots`, to
 * refresh docs/console.md's pictures), else the test output, so that test runs leave the tree clean.
 */
export function screenshotDir(): string {
  const dir =
    process.env.CONSOLE_SCREENSHOTS === 'docs'
      ? join(process.cwd(), 'docs', 'console')
      : join(process.cwd(), '.test-output', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
