import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, screenshotDir } from '../support/browser.js';
import { client, call, type Reply } from '../support/http.js';
import { TestOidcProvider } from '../support/oidc-provider.js';
import { freePort } from '../support/ports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const KEY_SHAPE = /^pcl_[0-9A-Za-z]{44}$/;
/** Run in the page (which has a document, unlike this file's types): whether it has the focus. */
const IS_FOCUSED = (element: unknown) =>
  element ===
  (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement;

async function keyIdOf(
  admin: ReturnType<typeof client>,
  name: string,
): Promise<string | undefined> {
  const keys = await admin.get('/v1/admin/keys?limit=500');
  return (keys.body.items as { id: string; name: string }[]).find((k) => k.name === name)?.id;
}

/** Portcullis's cookies (the test IdP's, on the same host, are in the same jar). */
async function portcullisCookies(context: BrowserContext) {
  return (await context.cookies()).filter((c) => c.name.startsWith('portcullis_'));
}

/** Goes through the test IdP's own login and consent pages (oidc-provider's development ones). */
async function loginAtIdp(tab: Page, login: string): Promise<void> {
  await tab.locator('input[name="login"]').fill(login);
  await tab.locator('input[name="password"]').fill('any');
  await tab.getByRole('button', { name: 'Sign-in' }).click();
  await tab.getByRole('button', { name: 'Continue' }).click();
}

// .ci/run installs Chromium, and in CI a missing one fails the suite; on a developer's machine
// without it the spec is skipped with a note.
const runBrowser = chromiumAvailable() || process.env.CI === 'true';
if (!runBrowser) {
  console.warn('Chromium is not installed: skipping the browser tests (apt-get install chromium)');
}

// The web console in a real browser (Debian's Chromium), against the real service, through the
// journeys an admin makes. One browser for the spec; the steps build on each other.
(runBrowser ? describe : describe.skip)('Web console in a browser', () => {
  let service: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const shots = screenshotDir();
  let aliceKey: string;
  let idp: TestOidcProvider;

  const shot = (name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name }).click();
  const decide = (credential: string, ip: string): Promise<Reply> =>
    client(service.url, service.adminKey).post('/v1/decisions', {
      body: { method: 'GET', path: '/orders', ip, credential },
    });

  beforeAll(async () => {
    if (!chromiumAvailable()) {
      throw new Error('Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)');
    }
    idp = await TestOidcProvider.start({
      accounts: {
        alice: { email: 'alice@example.com', preferred_username: 'alice' },
        'ada-at-idp': { email: 'ada@example.com', preferred_username: 'ada' },
      },
    });
    // The provider sends browsers back to PUBLIC_URL: the port must be known before the start.
    const port = await freePort();
    service = await startTestApp({
      port,
      env: { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}` },
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: service.url,
    });
    page = await context.newPage();
    // A missing element fails its step with the locator named, well within Jest's own timeout.
    page.setDefaultTimeout(10_000);
    // Any script error or Content-Security-Policy violation fails the spec at the end.
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[0-9]/.test(message.text())) {
        problems.push(`console error: ${message.text()}`);
      }
    });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await idp?.stop();
  });

  it('refuses a wrong key next to the key field, then signs in with the admin key', async () => {
    await page.goto(`${service.url}/console/`);
    // React renders after the load event: wait for the form, do not just look once.
    await page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    await page.getByLabel('Portcullis key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const keyField = page.getByLabel('Portcullis key');
    await page.getByText('This is not a Portcullis key').waitFor();
    await expect(keyField.getAttribute('aria-invalid')).resolves.toBe('true');
    // The message is the field's description, for screen readers.
    const describedBy = (await keyField.getAttribute('aria-describedby'))!;
    await expect(
      page.locator(`[id="${describedBy.split(' ').pop()}"]`).textContent(),
    ).resolves.toContain('This is not a Portcullis key');
    await shot('sign-in');

    await keyField.fill(service.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByText(`Signed in as ${service.adminUsername}`).waitFor();
    const cookies = await portcullisCookies(context);
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'portcullis_session', httpOnly: true, sameSite: 'Strict' }),
    ]);
    // The key is not kept anywhere a script could read it.
    expect(await page.evaluate('JSON.stringify({ ...localStorage, ...sessionStorage })')).toBe(
      '{}',
    );
  });

  it('creates a group and a user, showing a refused field next to it', async () => {
    await nav('Users and groups');
    await page.getByLabel('Group name').fill('developers');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('cell', { name: 'developers', exact: true }).waitFor();

    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create user' }) });
    await form.getByLabel('Username').fill('not valid!');
    await form.getByRole('button', { name: 'Create user' }).click();
    await form.getByText('must be 1-64 characters').waitFor();
    await expect(form.getByLabel('Username').getAttribute('aria-invalid')).resolves.toBe('true');

    await form.getByLabel('Username').fill('alice');
    await form.getByLabel('E-mail').fill('alice@example.com');
    await form.getByLabel('Groups').fill('developers');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: 'alice@example.com' }).waitFor();
  });

  it("edits a user's group memberships", async () => {
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create user' }) });
    await form.getByLabel('Username').fill('ada');
    await form.getByLabel('E-mail').fill('ada@example.com');
    await form.getByRole('button', { name: 'Create user' }).click();
    const ada = page.getByRole('row', { name: /ada@example\.com/ });
    await ada.waitFor();

    await page.getByRole('button', { name: 'Edit the groups of ada' }).click();
    const groups = page.locator('form', { has: page.getByRole('button', { name: 'Save groups' }) });
    await groups.getByLabel('portcullis-admins', { exact: true }).check();
    await groups.getByLabel('developers', { exact: true }).check();
    await groups.getByRole('button', { name: 'Save groups' }).click();
    await page
      .getByRole('row', { name: /ada@example\.com.*developers, portcullis-admins/ })
      .waitFor();

    // And out of one again.
    await page.getByRole('button', { name: 'Edit the groups of ada' }).click();
    await groups.getByLabel('developers', { exact: true }).uncheck();
    await groups.getByRole('button', { name: 'Save groups' }).click();
    await page.getByRole('row', { name: /ada@example\.com\s*portcullis-admins/ }).waitFor();
    const users = await client(service.url, service.adminKey).get('/v1/admin/users?search=ada');
    expect(users.body.items[0]).toMatchObject({ username: 'ada', groups: ['portcullis-admins'] });
    await shot('users');
  });

  it('creates a key and shows it once, with a copy button and a warning', async () => {
    await nav('API keys');
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create key' }) });
    await form.getByLabel('Owner (username)').fill('alice');
    await form.getByLabel('Name', { exact: true }).fill('ci-deploy');
    await form.getByLabel('Expires in').selectOption('custom');
    await form.getByLabel('Lifetime').fill('forever');
    await form.getByRole('button', { name: 'Create key' }).click();
    await form.getByText(/must be "never" or/).waitFor();

    await form.getByLabel('Expires in').selectOption('90 days');
    await form.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByLabel('The new key');
    await shown.waitFor();
    aliceKey = await shown.inputValue();
    expect(aliceKey).toMatch(KEY_SHAPE);
    await expect(page.getByText('it is shown only this once').isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(aliceKey);
    await page.getByRole('row', { name: /ci-deploy/ }).waitFor();
    await shot('keys-new-key');

    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect(page.content()).resolves.not.toContain(aliceKey);
    await page.reload();
    await page.getByRole('row', { name: /ci-deploy/ }).waitFor();
    await expect(page.content()).resolves.not.toContain(aliceKey);
    expect((await decide(aliceKey, '198.51.100.7')).body.allowed).toBe(true);
  });

  it('gives a key a rate limit, lists it, and changes and removes it; a refused one next to its field', async () => {
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create key' }) });
    await form.getByLabel('Owner (username)').fill('alice');
    await form.getByLabel('Name', { exact: true }).fill('metered');
    await form.getByLabel('Rate limit').fill('lots');
    await form.getByRole('button', { name: 'Create key' }).click();
    await form.getByText(/must be "<n> per second\|minute\|hour\|day"/).waitFor();
    await expect(form.getByLabel('Rate limit').getAttribute('aria-invalid')).resolves.toBe('true');
    await form.getByLabel('Rate limit').fill('600 per minute');
    await form.getByRole('button', { name: 'Create key' }).click();
    const meteredKey = await page.getByLabel('The new key').inputValue();
    expect(meteredKey).toMatch(KEY_SHAPE);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('row', { name: /metered.*600 per minute/ }).waitFor();
    await page.getByRole('row', { name: /ci-deploy.*none/ }).waitFor();

    // From the keyboard: the form takes the focus, a refusal stays next to the field.
    const change = page.getByRole('button', { name: 'Change the rate limit of metered' });
    await change.focus();
    await page.keyboard.press('Enter');
    const limit = page.locator('section', {
      has: page.getByRole('heading', { name: 'Rate limit of key metered' }),
    });
    const field = limit.getByLabel('Rate limit');
    await expect(field.evaluate(IS_FOCUSED)).resolves.toBe(true);
    await expect(field.inputValue()).resolves.toBe('600 per minute');
    await page.keyboard.press('Escape');
    await limit.waitFor({ state: 'detached' });
    await expect(change.evaluate(IS_FOCUSED)).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await field.fill('0 per second');
    await page.keyboard.press('Enter');
    await limit.getByText(/must be "<n> per/).waitFor();
    await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
    await field.fill('2 per hour');
    await limit.getByRole('button', { name: 'Save rate limit' }).click();
    await limit.waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /metered.*2 per hour/ }).waitFor();
    // The new quota is the one decisions are held to.
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await decide(meteredKey, '198.51.100.7')).body);
    expect(answers.map((a) => a.reason)).toEqual([
      'authenticated',
      'authenticated',
      'quota_exceeded',
    ]);

    await change.click();
    await limit.getByRole('button', { name: 'Remove rate limit' }).click();
    await page.getByRole('row', { name: /metered.*none/ }).waitFor();
    expect((await decide(meteredKey, '198.51.100.7')).body.allowed).toBe(true);
    const key = await client(service.url, service.adminKey).get(
      `/v1/admin/keys/${(await keyIdOf(client(service.url, service.adminKey), 'metered'))!}`,
    );
    expect(key.body.rateLimit).toBeNull();
  });

  it("sets a group's rate limit, at creation and later", async () => {
    await nav('Users and groups');
    const create = page.locator('form', {
      has: page.getByRole('button', { name: 'Create group' }),
    });
    await create.getByLabel('Group name').fill('partners');
    await create.getByLabel('Rate limit').fill('5 per fortnight');
    await create.getByRole('button', { name: 'Create group' }).click();
    await create.getByText(/must be "<n> per/).waitFor();
    await create.getByLabel('Rate limit').fill('100 per day');
    await create.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('row', { name: /partners.*100 per day/ }).waitFor();

    await page.getByRole('button', { name: 'Change the rate limit of group developers' }).click();
    const limit = page.locator('section', {
      has: page.getByRole('heading', { name: 'Rate limit of group developers' }),
    });
    await expect(limit.getByRole('button', { name: 'Remove rate limit' }).count()).resolves.toBe(0);
    await limit.getByLabel('Rate limit').fill('1000 per minute');
    await limit.getByRole('button', { name: 'Save rate limit' }).click();
    await page.getByRole('row', { name: /developers.*1000 per minute/ }).waitFor();
    const groups = await client(service.url, service.adminKey).get('/v1/admin/groups');
    const byName = Object.fromEntries(
      (groups.body.items as { name: string; rateLimit: string | null }[]).map((g) => [
        g.name,
        g.rateLimit,
      ]),
    );
    expect(byName).toMatchObject({ developers: '1000 per minute', partners: '100 per day' });
    await shot('groups-rate-limit');
  });

  it('adds an IP restriction, and "try a request" shows the denial and its reason', async () => {
    await nav('Restrictions');
    const form = page.locator('form', {
      has: page.getByRole('button', { name: 'Add access rule' }),
    });
    await form.getByLabel('Allowed IP ranges').fill('203.0.113.0/24, not-an-address');
    await form.getByRole('button', { name: 'Add access rule' }).click();
    await form.getByText(/address or CIDR|IP address/i).waitFor();

    await form.getByLabel('Allowed IP ranges').fill('203.0.113.0/24');
    await form.getByRole('button', { name: 'Add access rule' }).click();
    await page.getByRole('cell', { name: '203.0.113.0/24' }).waitFor();

    const tryForm = page.locator('form', {
      has: page.getByRole('button', { name: 'Ask for a decision' }),
    });
    await tryForm.getByLabel('Path').fill('/orders');
    await tryForm.getByLabel('Client IP').fill('198.51.100.7');
    await tryForm.getByLabel('Credential (a key)').fill(aliceKey);
    await tryForm.getByRole('button', { name: 'Ask for a decision' }).click();
    const decision = page.getByTestId('decision');
    await decision.getByText('Denied', { exact: true }).waitFor();
    await expect(decision.textContent()).resolves.toMatch(/403.*reason ip_denied/);
    await shot('restrictions');

    await tryForm.getByLabel('Client IP').fill('203.0.113.9');
    await tryForm.getByRole('button', { name: 'Ask for a decision' }).click();
    await decision.getByText('Allowed', { exact: true }).waitFor();
    await expect(decision.textContent()).resolves.toContain('As alice (developers)');
  });

  it('adds a provider from a preset and picks the username attribute from a pasted token', async () => {
    await nav('Identity providers');
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Add provider' }) });
    await form.getByLabel('Name', { exact: true }).fill('Test IdP');
    await form.getByLabel('Preset').selectOption('okta');
    await form.getByLabel('Client id').fill('portcullis');
    await form.getByRole('button', { name: 'Add provider' }).click();
    // The preset's missing parameter is named next to its own field.
    const domain = form.getByLabel('Domain');
    await form.locator('input[name="parameters/domain"][aria-invalid="true"]').waitFor();
    const describedBy = (await domain.getAttribute('aria-describedby'))!.split(' ').pop();
    await expect(page.locator(`[id="${describedBy}"]`).textContent()).resolves.toMatch(/\w/);

    await form.getByLabel('Preset').selectOption('custom');
    await form.getByLabel('Issuer').fill(idp.issuer);
    await form.getByLabel('Client secret').fill('portcullis-secret');
    await form.getByLabel('Check tokens by').selectOption('userinfo');
    await form.getByLabel('Offer it for signing in to this console').check();
    await form.getByRole('button', { name: 'Add provider' }).click();
    await page.getByRole('cell', { name: 'Test IdP', exact: true }).waitFor();
    await expect(page.content()).resolves.not.toContain('portcullis-secret');
    // Both redirect URIs are shown, to register at the provider; the test IdP takes them here.
    const created = (await client(service.url, service.adminKey).get('/v1/admin/providers')).body
      .items[0];
    expect(created).toMatchObject({ consoleSignIn: true });
    await page.getByText(created.consoleRedirectUri).waitFor();
    idp.addRedirectUri(created.redirectUri);
    idp.addRedirectUri(created.consoleRedirectUri);

    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.getByLabel('Access token').fill(await idp.opaqueAccessToken('alice'));
    await page.getByRole('button', { name: 'Show its attributes' }).click();
    await page.getByRole('button', { name: 'Use email (from userinfo) as the username' }).click();
    await page.getByText('Users are now named by email.').waitFor();
    const providers = await client(service.url, service.adminKey).get('/v1/admin/providers');
    expect(providers.body.items[0]).toMatchObject({ usernameAttribute: 'email' });
    await shot('providers');
  });

  it('logs in at the provider for a test, and picks the username attribute it showed', async () => {
    // "Log in at the provider" opens a tab: the provider's own login, then every attribute.
    const [tab] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: 'Log in at the provider' }).click(),
    ]);
    await loginAtIdp(tab, 'alice');
    await tab.getByText('"preferred_username"').first().waitFor();
    await expect(tab.textContent('body')).resolves.toContain('alice@example.com');
    await tab.close();

    await page.getByRole('button', { name: 'Show the attributes of the last login' }).click();
    await page.getByRole('button', { name: 'Use preferred_username as the username' }).click();
    await page.getByText('Users are now named by preferred_username.').waitFor();
    const providers = await client(service.url, service.adminKey).get('/v1/admin/providers');
    expect(providers.body.items[0]).toMatchObject({ usernameAttribute: 'preferred_username' });
  });

  it('signs an admin in through the provider, and tells a user who is not one why not', async () => {
    const other = await browser.newContext();
    try {
      const tab = await other.newPage();
      tab.setDefaultTimeout(10_000);
      tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      await tab.goto(`${service.url}/console/`);
      await tab.getByRole('link', { name: 'Sign in with Test IdP' }).click();
      // alice is no admin, and self-service keys are off: the sign-in page says so.
      await loginAtIdp(tab, 'alice');
      await tab.getByText('Only admins may sign in to the console.').waitFor();
      await tab.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
      expect(new URL(tab.url()).search).toBe('');
      await tab.screenshot({ path: join(shots, 'sign-in-provider.png'), fullPage: true });

      // The provider remembers the browser's login: signing in as someone else takes a new one.
      await other.clearCookies();
      await tab.getByRole('link', { name: 'Sign in with Test IdP' }).click();
      await loginAtIdp(tab, 'ada-at-idp');
      await tab.getByText('Signed in as ada').waitFor();
      await tab.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
      const session = (await other.cookies()).find((c) => c.name === 'portcullis_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      // Changes work with the session (and its CSRF token), as with a key's.
      await tab.getByRole('link', { name: 'Users and groups' }).click();
      await tab.getByLabel('Group name').fill('made-by-ada');
      await tab.getByRole('button', { name: 'Create group' }).click();
      await tab.getByRole('cell', { name: 'made-by-ada', exact: true }).waitFor();

      await tab.getByRole('button', { name: 'Sign out' }).click();
      await tab.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
      expect((await other.cookies()).filter((c) => c.name === 'portcullis_session')).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('revokes the key', async () => {
    await nav('API keys');
    await page.getByRole('button', { name: 'Revoke ci-deploy' }).click();
    await page.getByRole('row', { name: /ci-deploy/ }).waitFor({ state: 'detached' });
    await page.getByLabel('State').selectOption('revoked');
    await page.getByRole('row', { name: /ci-deploy.*revoked/ }).waitFor();
    expect((await decide(aliceKey, '203.0.113.9')).body.reason).toBe('revoked_key');
    await shot('keys');
  });

  it('changes a setting and shows a refused value next to its field', async () => {
    await nav('Settings');
    await page.getByLabel('Maximum key lifetime').fill('200 years');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('must be at most 100 years').waitFor();
    await page.getByLabel('Maximum key lifetime').fill('1 year');
    await page.getByLabel('Identity header style').selectOption('kong');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/Saved \(version/).waitFor();
    const settings = await client(service.url, service.adminKey).get('/v1/admin/settings');
    expect(settings.body).toMatchObject({ maxKeyLifetime: '1 year', identityHeaderStyle: 'kong' });
    await shot('settings');
  });

  it('shows the audit log of what was done', async () => {
    await nav('Audit log');
    await page.getByRole('cell', { name: 'key.revoke' }).waitFor();
    await page.getByRole('cell', { name: 'console.sign-in' }).first().waitFor();
    await page.getByLabel('Action').fill('user.');
    // The filtered list replaces the whole one: the revocation goes, the user changes stay.
    await page.getByRole('cell', { name: 'key.revoke' }).first().waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'user.create' }).first().waitFor();
    await page.getByLabel('Action').fill('');
    await shot('audit');
  });

  it('reads on a phone', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      storageState: await context.storageState(),
    });
    const small = await phone.newPage();
    await small.goto(`${service.url}/console/keys`);
    await small.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    // Nothing wider than the screen but the tables, which scroll in their own box.
    const width = await small.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await small.screenshot({ path: join(shots, 'phone.png') });
    await phone.close();
  });

  it('gives a user their own keys, and the sign-in form again when the session ends', async () => {
    const admin = client(service.url, service.adminKey);
    await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: true } });
    const bob = await admin.post('/v1/admin/users', { body: { username: 'bob' } });
    const bobKey = (
      await admin.post('/v1/admin/keys', {
        body: { userId: bob.body.id, name: 'laptop', type: 'bearer', expiresIn: '30 days' },
      })
    ).body.key as string;

    await admin.patch(`/v1/admin/keys/${(await keyIdOf(admin, 'laptop'))!}`, {
      body: { rateLimit: '1000 per minute' },
    });

    const own = await browser.newContext();
    try {
      const mine = await own.newPage();
      mine.setDefaultTimeout(10_000);
      await mine.goto(`${service.url}/console/keys`);
      await mine.getByLabel('Portcullis key').fill(bobKey);
      await mine.getByRole('button', { name: 'Sign in' }).click();
      // Not an admin: the admin pages are not offered, whatever the URL asked for.
      await mine.getByRole('heading', { name: 'My keys', level: 1 }).waitFor();
      const links = mine.getByRole('navigation', { name: 'Pages' }).getByRole('link');
      await expect(links.allTextContents()).resolves.toEqual(['My keys']);
      // Its rate limit is shown, and only admins change it.
      await mine.getByRole('row', { name: /laptop.*1000 per minute/ }).waitFor();
      await expect(mine.getByRole('button', { name: /rate limit/i }).count()).resolves.toBe(0);

      await mine.getByLabel('Name', { exact: true }).fill('ci');
      // The maximum lifetime (1 year, set above) holds for users' own keys too.
      await mine.getByLabel('Expires in').selectOption('never');
      await mine.getByRole('button', { name: 'Create key' }).click();
      await mine.getByText('must be at most 1 year').waitFor();
      await mine.getByLabel('Expires in').selectOption('30 days');
      await mine.getByRole('button', { name: 'Create key' }).click();
      await expect(mine.getByLabel('The new key').inputValue()).resolves.toMatch(KEY_SHAPE);
      await mine.getByRole('button', { name: 'I have copied it' }).click();
      await mine.getByRole('button', { name: 'Revoke ci' }).click();
      await mine.getByRole('row', { name: /ci.*revoked/ }).waitFor();
      await mine.screenshot({ path: join(shots, 'my-keys.png'), fullPage: true });

      // The key behind the session is revoked elsewhere: the next call finds the session over.
      await admin.post(`/v1/admin/keys/${(await keyIdOf(admin, 'laptop'))!}/revoke`);
      await mine.getByRole('button', { name: 'Revoke laptop' }).click();
      await mine.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    } finally {
      await own.close();
    }
  });

  it('signs out: the session ends on the server and the cookie is gone', async () => {
    const cookie = (await portcullisCookies(context))[0]!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    expect(await portcullisCookies(context)).toEqual([]);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    const old = await call(service.url, 'GET', '/v1/me', {
      headers: { cookie: `${cookie.name}=${cookie.value}` },
    });
    expect(old.status).toBe(401);
  });

  it('ran without script errors or Content-Security-Policy violations', () => {
    expect(problems).toEqual([]);
  });
});
