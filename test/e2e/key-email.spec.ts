import { createUser, nginxCheck } from '../support/decisions.js';
import { client } from '../support/http.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const KEY = /pcl_[0-9A-Za-z]{44}/;

describe('Keys by e-mail', () => {
  let smtp: SmtpSink;
  let service: TestApp;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    service = await startTestApp({
      env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'Keys <keys@example.test>' },
    });
    admin = client(service.url, service.adminKey);
    await createUser(admin, 'ines', { email: 'ines@example.test' });
    await createUser(admin, 'nomail');
  });
  afterAll(async () => {
    await service?.close();
    await smtp?.stop();
  });

  it('sends the new key to its owner, and the key in the mail works', async () => {
    const created = await admin.post('/v1/admin/keys', {
      body: {
        username: 'ines',
        name: 'reports',
        description: 'nightly export',
        type: 'basic',
        expiresIn: '30 days',
        emailToOwner: true,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.emailed).toBe(true);
    const mail = smtp.received.at(-1)!;
    expect(mail.to).toEqual(['ines@example.test']);
    expect(mail.from).toBe('keys@example.test');
    expect(mail.raw).toContain('Subject: =?UTF-8?Q?Your_API_key_=22reports=22?=');
    expect(mail.text).toContain('"reports" (nightly export)');
    expect(mail.text).toContain('A basic API key was created for you');
    expect(mail.text).toContain(`It expires at ${created.body.expiresAt}.`);
    expect(mail.text).toContain("curl -u 'ines:<the key>'");
    const sent = KEY.exec(mail.text)![0];
    expect(sent).toBe(created.body.key);
    const check = await nginxCheck(service.url, {
      authorization: `Basic ${Buffer.from(`ines:${sent}`).toString('base64')}`,
    });
    expect(check.status).toBe(200);
    expect(check.headers.get('x-auth-user')).toBe('ines');
  });

  it('works for self-service keys too', async () => {
    await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: true } });
    const own = (
      await admin.post('/v1/admin/keys', {
        body: { username: 'ines', name: 'a', type: 'bearer', expiresIn: 'never' },
      })
    ).body.key;
    const created = await client(service.url, own).post('/v1/me/keys', {
      body: { name: 'laptop', type: 'bearer', expiresIn: 'never', emailToOwner: true },
    });
    expect(created.status).toBe(201);
    expect(created.body.emailed).toBe(true);
    expect(smtp.received.at(-1)!.text).toContain('It does not expire.');
    expect(smtp.received.at(-1)!.text).toContain('Authorization: Bearer <the key>');
  });

  it('sends nothing unless asked', async () => {
    const before = smtp.received.length;
    const created = await admin.post('/v1/admin/keys', {
      body: { username: 'ines', name: 'quiet', type: 'bearer', expiresIn: 'never' },
    });
    expect(created.body.emailed).toBe(false);
    expect(smtp.received.length).toBe(before);
  });

  it('refuses, creating nothing, when the owner has no email', async () => {
    const refused = await admin.post('/v1/admin/keys', {
      body: {
        username: 'nomail',
        name: 'x',
        type: 'bearer',
        expiresIn: 'never',
        emailToOwner: true,
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].pointer).toBe('#/emailToOwner');
    expect(
      (await admin.get('/v1/admin/keys?state=active')).body.items.some(
        (k: { username: string }) => k.username === 'nomail',
      ),
    ).toBe(false);
  });

  it('reports a mail server that refuses or is gone, the key being created all the same', async () => {
    await smtp.stop();
    const created = await admin.post('/v1/admin/keys', {
      body: {
        username: 'ines',
        name: 'late',
        type: 'bearer',
        expiresIn: 'never',
        emailToOwner: true,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.emailed).toBe(false);
    expect(created.body.key).toMatch(KEY);
  });
});

describe('Keys by e-mail without a mail server', () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await startTestApp();
  });
  afterAll(() => service.close());

  it('is a clear 400 that creates nothing', async () => {
    const admin = client(service.url, service.adminKey);
    await createUser(admin, 'jo', { email: 'jo@example.test' });
    const refused = await admin.post('/v1/admin/keys', {
      body: { username: 'jo', name: 'x', type: 'bearer', expiresIn: 'never', emailToOwner: true },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('SMTP_URL');
    expect((await admin.get('/v1/admin/keys')).body.total).toBe(1);
  });
});
