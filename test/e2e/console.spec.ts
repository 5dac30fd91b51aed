import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
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

/**
 * Waits until the element's whole text is this. (textContent() reads once, and an element that
 * is already there with its old text would be read before the change.)
 */
function untilText(locator: Locator, text: string): Promise<void> {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return locator.filter({ hasText: exact }).waitFor({ state: 'attached' });
}

/** Waits until a select offers exactly these options, in this order. */
const untilOptions = (select: Locator, labels: string[]) => untilText(select, labels.join(''));

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
  let handMadeJwt: string;

  const shot = (name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name }).click();
  const dialog = () => page.getByRole('alertdialog');
  /** Waits for the success message that says this. */
  const said = (text: string) => page.getByTestId('notice').getByText(text).waitFor();
  /** Opens a confirmation, checks that it names the object, and cancels it. */
  const openAndCancel = async (button: string, names: string | RegExp) => {
    await page.getByRole('button', { name: button, exact: true }).click();
    await expect(dialog().textContent()).resolves.toMatch(names);
    // The harmless choice has the focus; Escape cancels like the Cancel button.
    await expect(
      dialog().getByRole('button', { name: 'Cancel' }).evaluate(IS_FOCUSED),
    ).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
  };
  /** Opens a confirmation and confirms it with its own button. */
  const confirmWith = async (button: string, confirm: string) => {
    await page.getByRole('button', { name: button, exact: true }).click();
    await dialog().getByRole('button', { name: confirm, exact: true }).click();
  };
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
    // The service, the provider and Chromium take longer than Jest's 30 s on a loaded machine.
  }, 120_000);
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
    // A key of the right shape with a typo in it is called that, not "not a Portcullis key".
    const last = service.adminKey.at(-1) === 'A' ? 'B' : 'A';
    await keyField.fill(service.adminKey.slice(0, -1) + last);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('checksum does not match').waitFor();
    await expect(page.getByText('This is not a Portcullis key').count()).resolves.toBe(0);

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
    await said('User alice created.');
  });

  it('asks before disabling a user or deleting a group, naming them, and shows a refusal', async () => {
    const admin = client(service.url, service.adminKey);
    await admin.post('/v1/admin/users', { body: { username: 'carl' } });
    await admin.post('/v1/admin/groups', { body: { name: 'short-lived' } });
    await page.reload();
    await page.getByRole('row', { name: /carl.*active/ }).waitFor();

    await openAndCancel('Disable carl', 'Disable the user carl?');
    await expect(page.getByRole('row', { name: /carl.*active/ }).count()).resolves.toBe(1);
    await confirmWith('Disable carl', 'Disable');
    await page.getByRole('row', { name: /carl.*disabled/ }).waitFor();
    await said('User carl disabled.');

    // Groups are searched by a part of their name.
    const groupTable = page.getByRole('table', { name: 'Groups' });
    const developers = groupTable.getByRole('cell', { name: 'developers', exact: true });
    await page.getByLabel('Search groups').fill('SHORT');
    await developers.waitFor({ state: 'detached' });
    const groupPages = page.getByRole('navigation', { name: 'Groups pages' });
    await untilText(groupPages.getByTestId('page-range'), '1–1 of 1');
    await openAndCancel('Delete group short-lived', 'Delete the group short-lived?');
    await page.getByRole('cell', { name: 'short-lived', exact: true }).waitFor();
    await confirmWith('Delete group short-lived', 'Delete');
    await page
      .getByRole('cell', { name: 'short-lived', exact: true })
      .waitFor({ state: 'detached' });
    const groups = await admin.get('/v1/admin/groups');
    expect(groups.body.items.map((g: { name: string }) => g.name)).not.toContain('short-lived');
    await page.getByLabel('Search groups').fill('');
    await developers.waitFor();

    // The signed-in admin is the only one with a key: disabling them is refused (409), and the
    // dialog says why in the server's own words.
    await page.getByRole('button', { name: `Disable ${service.adminUsername}` }).click();
    await dialog().getByRole('button', { name: 'Disable', exact: true }).click();
    await dialog().getByText('This would leave no usable admin').waitFor();
    await expect(dialog().textContent()).resolves.toContain('Give another admin a key first');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    expect((await admin.get(`/v1/admin/users/${service.adminUserId}`)).body.disabled).toBe(false);
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

    // No maximum lifetime is set yet: "Never" is offered.
    await untilOptions(form.getByLabel('Expires in'), [
      '30 days',
      '90 days',
      '1 year',
      'Never',
      'Other…',
    ]);
    await form.getByLabel('Expires in').selectOption('90 days');
    await form.getByRole('button', { name: 'Create key' }).click();
    await said('Key "ci-deploy" created for alice.');
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

  it('adds, edits, moves, duplicates and deletes rules, and "try a request" points at the rule that decided', async () => {
    await nav('Rules');
    const admin = client(service.url, service.adminKey);
    const names = async () =>
      ((await admin.get('/v1/admin/rules')).body.rules as { name: string }[]).map((r) => r.name);
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Add rule' }) });
    // A bad range is refused, and the field says so.
    await form.getByLabel('Name').fill('office');
    await form.getByLabel('IP ranges').fill('203.0.113.0/24, not-an-address');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await form.getByText(/address or CIDR|IP address/i).waitFor();

    await form.getByLabel('IP ranges').fill('203.0.113.0/24');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await said('Added the rule office.');
    const table = page.getByRole('table', { name: 'Rules' });
    await table.getByRole('cell', { name: 'from 203.0.113.0/24', exact: true }).waitFor();

    // Another, placed before it; then moved down, duplicated, edited, and the copy deleted.
    await form.getByLabel('Name').fill('status');
    await form.getByLabel('Effect').selectOption('public');
    await form.getByLabel('Path patterns').fill('/status');
    await form.getByLabel('Place').selectOption('office');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await said('Added the rule status.');
    await expect(names()).resolves.toEqual(['status', 'office']);
    const warnings = page.getByRole('status', { name: 'Lint warnings' });
    // Below office, which matches every request, status could never decide: lint says so.
    await page.getByRole('button', { name: 'Move status down' }).click();
    await said('Moved the rule status.');
    await expect(names()).resolves.toEqual(['office', 'status']);
    await warnings
      .getByText('status never decides: office, before it, matches every request it does')
      .waitFor();
    await page.getByRole('button', { name: 'Move status up' }).click();
    await warnings.waitFor({ state: 'detached' });
    await expect(names()).resolves.toEqual(['status', 'office']);
    await page.getByRole('button', { name: 'Duplicate status' }).click();
    await said('Duplicated the rule status as status-copy, just after it.');
    await expect(names()).resolves.toEqual(['status', 'status-copy', 'office']);
    await warnings
      .getByText('status-copy never decides: status, before it, matches every request it does')
      .waitFor();
    await page.getByRole('button', { name: 'Edit status-copy' }).click();
    const edit = page.locator('form', { has: page.getByRole('button', { name: 'Save rule' }) });
    await edit.getByLabel('Path patterns').fill('/health');
    await edit.getByRole('button', { name: 'Save rule' }).click();
    await said('Saved the rule status-copy.');
    await warnings.waitFor({ state: 'detached' });
    const deleteCopy = 'Delete rule status-copy';
    await openAndCancel(deleteCopy, 'Delete the rule status-copy?');
    await confirmWith(deleteCopy, 'Delete');
    await said('Deleted the rule status-copy.');
    await expect(names()).resolves.toEqual(['status', 'office']);

    const tryForm = page.locator('form', {
      has: page.getByRole('button', { name: 'Ask for a decision' }),
    });
    await tryForm.getByLabel('Path').fill('/orders');
    await tryForm.getByLabel('Client IP').fill('198.51.100.7');
    await tryForm.getByLabel('Credential (a key)').fill(aliceKey);
    await tryForm.getByRole('button', { name: 'Ask for a decision' }).click();
    const decision = page.getByTestId('decision');
    await decision.getByText('Denied', { exact: true }).waitFor();
    await expect(decision.textContent()).resolves.toMatch(/403.*reason ip_denied.*rule office/);
    // Why, step by step; and the rule that decided is pointed out in the table.
    await decision
      .getByRole('list', { name: 'Why' })
      .getByText(/client 198\.51\.100\.7 is not in the rule's ranges/)
      .waitFor();
    await expect(
      table
        .locator('tr[aria-current="true"]')
        .getByRole('cell', { name: 'office', exact: true })
        .count(),
    ).resolves.toBe(1);
    await shot('rules');

    await tryForm.getByLabel('Client IP').fill('203.0.113.9');
    await tryForm.getByRole('button', { name: 'Ask for a decision' }).click();
    await decision.getByText('Allowed', { exact: true }).waitFor();
    await expect(decision.textContent()).resolves.toContain('As alice (developers)');

    // A rule of a named rule set: shown as such, and deciding only requests that name the set.
    await form.getByLabel('Name').fill('partner-orders');
    await form.getByLabel('Effect').selectOption('public');
    await form.getByLabel('Path patterns').fill('/orders');
    await form.getByLabel('Rule set').fill('partners');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await said('Added the rule partner-orders.');
    await table
      .getByRole('cell', { name: 'in rule set partners · any method · /orders', exact: true })
      .waitFor();
    expect((await admin.get('/v1/admin/rules/partner-orders')).body.ruleSet).toBe('partners');
    await tryForm.getByLabel('Rule set').fill('partners');
    await tryForm.getByLabel('Credential (a key)').fill('');
    await tryForm.getByRole('button', { name: 'Ask for a decision' }).click();
    await decision
      .getByRole('list', { name: 'Why' })
      .getByText('the proxy chose rule set partners: its rules decide, then the default rule')
      .waitFor();
    await expect(decision.textContent()).resolves.toMatch(
      /200.*reason anonymous.*rule partner-orders/,
    );
    await expect(
      table
        .locator('tr[aria-current="true"]')
        .getByRole('cell', { name: 'partner-orders', exact: true })
        .count(),
    ).resolves.toBe(1);
    expect((await admin.delete('/v1/admin/rules/partner-orders')).status).toBe(204);
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

    await page.getByRole('button', { name: 'Test Test IdP', exact: true }).click();
    await page.getByLabel('Access token').fill(await idp.opaqueAccessToken('alice'));
    await page.getByRole('button', { name: 'Show its attributes' }).click();
    const summary = page.getByTestId('username-summary');
    await untilText(summary, 'Users are named by preferred_username: this token is alice.');
    // The live mapping changes only once confirmed; the summary follows it.
    const useEmail = 'Use email (from userinfo) as the username';
    await openAndCancel(
      useEmail,
      /Name the users of Test IdP by email\?.*Now they are named by preferred_username/,
    );
    const admin = client(service.url, service.adminKey);
    expect((await admin.get('/v1/admin/providers')).body.items[0]).toMatchObject({
      usernameAttribute: 'preferred_username',
    });
    await confirmWith(useEmail, 'Use email');
    await said('Users of Test IdP are now named by email.');
    await untilText(summary, 'Users are named by email: this token is alice@example.com.');
    expect((await admin.get('/v1/admin/providers')).body.items[0]).toMatchObject({
      usernameAttribute: 'email',
    });
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

    await page.getByRole('button', { name: 'Test Test IdP', exact: true }).click();
    await page.getByRole('button', { name: 'Show the attributes of the last login' }).click();
    await confirmWith('Use preferred_username as the username', 'Use preferred_username');
    await said('Users of Test IdP are now named by preferred_username.');
    const providers = await client(service.url, service.adminKey).get('/v1/admin/providers');
    const testIdp = providers.body.items.find((p: { name: string }) => p.name === 'Test IdP');
    expect(testIdp).toMatchObject({ usernameAttribute: 'preferred_username' });
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

  it('adds a custom provider without discovery, previews a JWT whose userinfo 404s, and maps users by sub', async () => {
    await nav('Identity providers');
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Add provider' }) });
    await form.getByLabel('Name', { exact: true }).fill('Hand-made IdP');
    await form.getByLabel('Preset').selectOption('custom');
    await form.getByLabel("Read the provider's discovery document").uncheck();
    await form.getByLabel('Issuer').fill(idp.issuer);
    await form.getByLabel('JWKS URI').fill(idp.jwksUri);
    // A wrong userinfo URL: the provider answers 404 there.
    await form.getByLabel('Userinfo endpoint').fill(`${idp.issuer}/no-such-userinfo`);
    await form.getByLabel('Introspection endpoint').fill(idp.introspectionEndpoint);
    await form.getByLabel('Client id').fill('portcullis');
    await form.getByLabel('Client secret').fill('portcullis-secret');
    await form.getByLabel('Check tokens by').selectOption('jwt');
    await form.getByLabel('Offer it for signing in to this console').uncheck();
    await form.getByRole('button', { name: 'Add provider' }).click();
    await said('Provider Hand-made IdP added.');
    const admin = client(service.url, service.adminKey);
    const saved = (await admin.get('/v1/admin/providers')).body.items.find(
      (p: { name: string }) => p.name === 'Hand-made IdP',
    );
    expect(saved).toMatchObject({
      preset: 'custom',
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      userinfoEndpoint: `${idp.issuer}/no-such-userinfo`,
      introspectionEndpoint: idp.introspectionEndpoint,
      validation: 'jwt',
      usernameAttribute: 'preferred_username',
    });

    // The pasted JWT's own claims are shown although userinfo failed, with the failure noted.
    await page.getByRole('button', { name: 'Test Hand-made IdP', exact: true }).click();
    const jwt = await idp.jwtAccessToken('alice');
    await page.getByLabel('Access token').fill(jwt);
    await page.getByRole('button', { name: 'Show its attributes' }).click();
    await page.getByText(/userinfo could not be asked.*HTTP 404/).waitFor();
    await page.getByRole('row', { name: /^sub\s+"alice"\s+access_token/ }).waitFor();
    const summary = page.getByTestId('username-summary');
    await untilText(summary, 'Users are named by preferred_username: this token is alice.');
    await confirmWith('Use sub (from access_token) as the username', 'Use sub');
    await untilText(summary, 'Users are named by sub: this token is alice.');
    handMadeJwt = jwt;
  });

  it("keeps the providers table's actions within reach at 1280 px and on a phone", async () => {
    // A Delete button within the screen's width, and working: its confirmation opens.
    const reachable = async (tab: Page, provider: string, width: number) => {
      const target = tab.getByRole('button', { name: `Delete ${provider}`, exact: true });
      await target.scrollIntoViewIfNeeded();
      const box = (await target.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      await target.click();
      const asked = tab.getByRole('alertdialog');
      await asked.getByText(`Delete the identity provider ${provider}?`).waitFor();
      await asked.getByRole('button', { name: 'Cancel' }).click();
    };
    // At 1280 px wide (this page's viewport), the long redirect URIs do not push Delete away.
    await reachable(page, 'Hand-made IdP', 1280);
    await reachable(page, 'Test IdP', 1280);

    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      storageState: await context.storageState(),
    });
    try {
      const small = await phone.newPage();
      small.setDefaultTimeout(10_000);
      await small.goto(`${service.url}/console/providers`);
      await reachable(small, 'Hand-made IdP', 390);
      await reachable(small, 'Test IdP', 390);
      await small.screenshot({ path: join(shots, 'phone-providers.png') });
    } finally {
      await phone.close();
    }
    expect(
      (await client(service.url, service.adminKey).get('/v1/admin/providers')).body.total,
    ).toBe(2);

    // The first provider, for the same issuer, goes (asked first); the hand-made one then
    // works on its own: its JWTs are accepted as alice, mapped by sub.
    await confirmWith('Delete Test IdP', 'Delete');
    await said('Deleted the identity provider Test IdP.');
    const decided = await decide(handMadeJwt, '203.0.113.9');
    expect(decided.body).toMatchObject({ allowed: true, identity: { username: 'alice' } });
  });

  it('revokes the key, once confirmed', async () => {
    await nav('API keys');
    await openAndCancel('Revoke ci-deploy', 'Revoke the key "ci-deploy" of alice?');
    expect((await decide(aliceKey, '203.0.113.9')).body.allowed).toBe(true);
    await confirmWith('Revoke ci-deploy', 'Revoke');
    await said('Key "ci-deploy" revoked.');
    await page.getByRole('row', { name: /ci-deploy/ }).waitFor({ state: 'detached' });
    await page.getByLabel('State').selectOption('revoked');
    await page.getByRole('row', { name: /ci-deploy.*revoked/ }).waitFor();
    expect((await decide(aliceKey, '203.0.113.9')).body.reason).toBe('revoked_key');
    await shot('keys');
    await page.getByLabel('State').selectOption('active');
  });

  it('pages through more than 200 keys, searches part of a name, and names an unknown owner', async () => {
    const admin = client(service.url, service.adminKey);
    const bulk = (await admin.post('/v1/admin/users', { body: { username: 'bulk' } })).body.id;
    // 210 keys, a few requests at a time: the embedded database takes one transaction at once.
    const names = Array.from({ length: 210 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(
        names.slice(i, i + 10).map((name) =>
          admin.post('/v1/admin/keys', {
            body: { userId: bulk, name, type: 'bearer', expiresIn: '30 days' },
          }),
        ),
      );
    }
    await page.reload();
    const range = page.getByTestId('page-range');
    const next = page.getByRole('navigation', { name: 'Keys pages' }).getByRole('button', {
      name: 'Next',
    });
    const previous = page
      .getByRole('navigation', { name: 'Keys pages' })
      .getByRole('button', { name: 'Previous' });
    const nameCells = page.getByRole('table', { name: 'Keys' }).locator('tbody tr td:first-child');

    // Every active key, 211 and more: the admins' own key (the oldest) is on the last page.
    await expect(range.textContent()).resolves.toMatch(/^1–50 of 2\d\d$/);
    const total = Number((await range.textContent())!.split(' of ')[1]);
    expect(total).toBeGreaterThan(210);
    const adminKeyName = (await admin.get(`/v1/admin/keys?owner=${service.adminUsername}`)).body
      .items[0].name as string;
    const seen = new Set<string>();
    for (let offset = 0; offset < total; offset += 50) {
      await untilText(range, `${offset + 1}–${Math.min(offset + 50, total)} of ${total}`);
      for (const name of await nameCells.allTextContents()) seen.add(name);
      if (offset + 50 < total) await next.click();
    }
    expect(seen.size).toBe(total);
    expect(names.every((name) => seen.has(name))).toBe(true);
    expect(seen.has(adminKeyName)).toBe(true);
    await expect(next.isDisabled()).resolves.toBe(true);

    // Revoking the key this session was opened with signs the admin out: said before.
    await page.getByRole('button', { name: `Revoke ${adminKeyName}`, exact: true }).click();
    await dialog().getByText('This is the key you are signed in with').waitFor();
    await dialog().getByRole('button', { name: 'Revoke and sign out' }).waitFor();
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await previous.click();
    await untilText(range, `151–200 of ${total}`);

    // A part of a name, in any case: back to the first page of what matches.
    await page.getByLabel('Search').fill('LK-20');
    await untilText(range, '1–10 of 10');
    expect((await nameCells.allTextContents()).sort()).toEqual(names.slice(200));
    await page.getByLabel('Owner', { exact: true }).fill('bulk');
    await untilText(range, '1–10 of 10');
    await page.getByLabel('Search').fill('');
    await untilText(range, '1–50 of 210');

    // An owner nobody is named: said next to the field, and no list of everyone's keys.
    const owner = page.getByLabel('Owner', { exact: true });
    await owner.fill('nobody-here');
    await page.getByText('no user is named "nobody-here"').waitFor();
    await expect(owner.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(nameCells.count()).resolves.toBe(0);
    await expect(range.count()).resolves.toBe(0);
    await owner.fill('');
    await untilText(range, `1–50 of ${total}`);
    // 210 keys are made through the API first: room for a loaded machine.
  }, 60_000);

  it('changes a setting and shows a refused value next to its field', async () => {
    await nav('Settings');
    await page.getByLabel('Maximum key lifetime').fill('200 years');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('must be at most 100 years').waitFor();
    await page.getByLabel('Maximum key lifetime').fill('1 year');
    await page.getByLabel('Identity header style').selectOption('kong');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await said('Settings saved (version');
    const admin = client(service.url, service.adminKey);
    const settings = await admin.get('/v1/admin/settings');
    expect(settings.body).toMatchObject({ maxKeyLifetime: '1 year', identityHeaderStyle: 'kong' });
    await shot('settings');

    // The key form offers no longer lifetime than the maximum now.
    await nav('API keys');
    const expiry = page.getByLabel('Expires in');
    await untilOptions(expiry, ['30 days', '90 days', '1 year', 'Other…']);
    await admin.patch('/v1/admin/settings', { body: { maxKeyLifetime: '60 days' } });
    await nav('Settings');
    await nav('API keys');
    await untilOptions(expiry, ['30 days', '60 days (the maximum)', 'Other…']);
    await admin.patch('/v1/admin/settings', { body: { maxKeyLifetime: '1 year' } });
  });

  it('asks before switching Portcullis off, then says so on every page until it is on again', async () => {
    const admin = client(service.url, service.adminKey);
    await nav('Settings');
    const checks = page.getByLabel('Portcullis checks requests');
    await checks.uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(dialog().textContent()).resolves.toMatch(/Switch Portcullis off\?.*unchecked/);
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    expect((await admin.get('/v1/admin/settings')).body.enabled).toBe(true);
    await expect(page.getByTestId('service-off').count()).resolves.toBe(0);

    await page.getByRole('button', { name: 'Save settings' }).click();
    await dialog().getByRole('button', { name: 'Switch off and save' }).click();
    const banner = page.getByTestId('service-off');
    await banner.waitFor();
    expect((await admin.get('/v1/admin/settings')).body.enabled).toBe(false);
    for (const name of ['API keys', 'Users and groups', 'Audit log', 'Rules']) {
      await nav(name);
      await page.getByRole('heading', { name, level: 1 }).waitFor();
      await expect(banner.textContent()).resolves.toContain('Portcullis is switched off');
    }
    await page.reload();
    await banner.waitFor();
    await shot('service-off');

    // Switching on again needs no confirmation, and the banner goes.
    await banner.getByRole('link', { name: 'Switch it on in Settings' }).click();
    await checks.check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await banner.waitFor({ state: 'detached' });
    expect((await admin.get('/v1/admin/settings')).body.enabled).toBe(true);
  });

  it('shows the audit log of what was done', async () => {
    await nav('Audit log');
    // Newest first: the 210 keys made above fill the first pages.
    await page.getByRole('cell', { name: 'key.create' }).first().waitFor();
    await page.getByLabel('Action').fill('key.revoke');
    await page.getByRole('cell', { name: 'key.revoke' }).first().waitFor();
    await page.getByLabel('Action').fill('user.');
    // The filtered list replaces the whole one: the revocation goes, the user changes stay.
    await page.getByRole('cell', { name: 'key.revoke' }).first().waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'user.create' }).first().waitFor();
    // Pictured filtered: the 210 keys made above would make a very long page.
    await shot('audit');
    await page.getByLabel('Action').fill('console.');
    await page.getByRole('cell', { name: 'console.sign-in' }).first().waitFor();
    await page.getByLabel('Action').fill('');
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
      // The maximum lifetime (1 year, set above) holds for users' own keys too: not offered,
      // and refused when typed.
      const expiry = mine.getByLabel('Expires in');
      await untilOptions(expiry, ['30 days', '90 days', '1 year', 'Other…']);
      await expiry.selectOption('custom');
      await mine.getByLabel('Lifetime').fill('2 years');
      await mine.getByRole('button', { name: 'Create key' }).click();
      await mine.getByText('must be at most 1 year').waitFor();
      await expiry.selectOption('30 days');
      await mine.getByRole('button', { name: 'Create key' }).click();
      await expect(mine.getByLabel('The new key').inputValue()).resolves.toMatch(KEY_SHAPE);
      await mine.getByRole('button', { name: 'I have copied it' }).click();
      await mine.getByRole('button', { name: 'Revoke ci' }).click();
      await mine.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
      await mine.getByRole('row', { name: /ci.*revoked/ }).waitFor();
      await mine.screenshot({ path: join(shots, 'my-keys.png'), fullPage: true });

      // The key behind the session is revoked elsewhere: the next call finds the session over.
      // Before that, revoking it here warns that it signs bob out.
      await mine.getByRole('button', { name: 'Revoke laptop' }).click();
      const warning = mine.getByRole('alertdialog');
      await warning.getByText('revoking it signs you out of the console').waitFor();
      await warning.getByRole('button', { name: 'Cancel' }).click();
      await admin.post(`/v1/admin/keys/${(await keyIdOf(admin, 'laptop'))!}/revoke`);
      await mine.getByRole('button', { name: 'Revoke laptop' }).click();
      await warning.getByRole('button', { name: 'Revoke and sign out' }).click();
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
