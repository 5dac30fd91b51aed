import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/keys/key-format.js';
import {
  encodedForms,
  floorApplies,
  FULL_RUN_FLOOR,
  leakFinder,
  scanOutput,
} from '../support/secret-scan.js';

// The secret scan the global teardown runs (test/support/secret-scan.js): what it finds, in which
// shapes, and when it refuses to vouch for a run that gave it too little to read.
describe('secret scan', () => {
  const secret = 'Zq8-s3cr3t_t0ken.with~chars';
  const special = 'p@ss/w+rd="quoted" 42';
  const find = leakFinder([secret, special]);
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const b64url = (text: string) => Buffer.from(text).toString('base64url');

  it('finds a secret standing alone, and inside a longer string (a path, a header value)', () => {
    expect(find(`{"token":"${secret}"}`)).toBe(secret);
    expect(find(`{"path":"/v1/tokens/${secret}/revoke"}`)).toBe(secret);
    expect(find(`{"header":"Bearer ${secret}xyz"}`)).toBe(secret);
    expect(find(`prefix${secret}suffix`)).toBe(secret);
  });

  it.each(['', 'a', 'ab', 'abc', 'user', 'admin-user', 'x:y'])(
    'finds a secret in a Basic header for user %j, in base64 and base64url',
    (user) => {
      expect(find(`{"authorization":"Basic ${b64(`${user}:${secret}`)}"}`)).toBe(secret);
      expect(find(`{"authorization":"Basic ${b64(`${user}:${special}`)}"}`)).toBe(special);
      expect(find(`cookie=${b64url(`${user}:${special}`)}; Path=/`)).toBe(special);
    },
  );

  it('finds a secret percent-encoded, in upper or lower case, and JSON-escaped', () => {
    const encoded = encodeURIComponent(special);
    expect(encoded).not.toBe(special);
    expect(find(`GET /callback?password=${encoded}&x=1`)).toBe(special);
    expect(find(`GET /callback?password=${encoded.toLowerCase()}`)).toBe(special);
    expect(find(JSON.stringify({ msg: `got ${special}` }))).toBe(special);
  });

  it('finds a secret of characters beyond ASCII, as it is and encoded', () => {
    const unicode = 'clé-🔑-secrète';
    const findIt = leakFinder([unicode]);
    expect(findIt(`{"msg":"${unicode}"}`)).toBe(unicode);
    expect(findIt(`/cb?x=${encodeURIComponent(unicode)}`)).toBe(unicode);
    expect(findIt(`Basic ${b64(`u:${unicode}`)}`)).toBe(unicode);
    expect(findIt('{"msg":"clé-🔑-secrèt"}')).toBeUndefined();
  });

  it('finds any full Portcullis key, noted or not', () => {
    const key = generateKey().plaintext;
    expect(find(`{"msg":"decision","credential":"${key}"}`)).toBe(key);
  });

  it('passes lines that hold only part of a secret, a key id, or nothing of the kind', () => {
    const key = generateKey().plaintext;
    const quiet = leakFinder([secret, key]);
    expect(quiet(`{"token":"${secret.slice(0, 11)}"}`)).toBeUndefined();
    expect(quiet(`{"keyId":"${key.slice(4, 12)}","msg":"decision"}`)).toBeUndefined();
    expect(quiet(`{"msg":"${b64(secret.slice(0, 8))}"}`)).toBeUndefined();
    expect(quiet('{"level":30,"msg":"Portcullis listening","port":41234}')).toBeUndefined();
    expect(leakFinder([])('nothing to look for')).toBeUndefined();
  });

  it('makes every form long enough not to match by chance', () => {
    for (const form of encodedForms('0123456789ab')) expect(form.length).toBeGreaterThanOrEqual(12);
    expect(encodedForms('0123456789ab')).toContain(b64('0123456789ab'));
  });

  describe('over a .test-output folder', () => {
    let output: string;

    beforeEach(() => {
      output = mkdtempSync(join(tmpdir(), 'portcullis-scan-'));
      for (const folder of ['logs', 'secrets', 'error-bodies', 'services']) {
        mkdirSync(join(output, folder));
      }
    });

    afterEach(() => rmSync(output, { recursive: true, force: true }));

    /** A folder such as a healthy full run leaves: enough lines and secrets, no leak. */
    const fill = (lines = FULL_RUN_FLOOR.lines, secrets = FULL_RUN_FLOOR.secrets) => {
      const log = join(output, 'logs', 'keys.spec.ts-app-0001.log');
      writeFileSync(
        log,
        Array.from({ length: lines }, (_, i) => `{"msg":"decision","n":${i}}\n`).join(''),
      );
      writeFileSync(join(output, 'services', '1.log'), `${log}\n`);
      writeFileSync(
        join(output, 'secrets', '1.log'),
        Array.from({ length: secrets }, (_, i) => `secret-number-${i}-abcdef\n`).join(''),
      );
      return log;
    };

    it('fails a full run that scanned nothing: an empty .test-output', () => {
      const result = scanOutput(output, {
        serverSecret: 'server-secret-0123456789',
        fullRun: true,
      });
      expect(result).toMatchObject({ scanned: 0, secrets: 0, leaks: [] });
      expect(result.problems).toEqual([expect.stringMatching(/read 0 lines .* against 0 secrets/)]);
      // Nor does a missing .test-output pass.
      const missing = scanOutput(join(output, 'gone'), { serverSecret: undefined, fullRun: true });
      expect(missing.problems).toHaveLength(1);
    });

    it('fails a full run below either floor, and passes one at both', () => {
      fill(FULL_RUN_FLOOR.lines - 1);
      expect(scanOutput(output, { serverSecret: undefined, fullRun: true }).problems).toHaveLength(
        1,
      );
      fill(FULL_RUN_FLOOR.lines, FULL_RUN_FLOOR.secrets - 1);
      expect(scanOutput(output, { serverSecret: undefined, fullRun: true }).problems).toHaveLength(
        1,
      );
      fill();
      expect(scanOutput(output, { serverSecret: undefined, fullRun: true })).toMatchObject({
        scanned: FULL_RUN_FLOOR.lines,
        secrets: FULL_RUN_FLOOR.secrets,
        services: 1,
        leaks: [],
        problems: [],
      });
    });

    it('lets a partial run (a unit spec alone) scan nothing', () => {
      expect(scanOutput(output, { serverSecret: undefined, fullRun: false })).toMatchObject({
        scanned: 0,
        leaks: [],
        problems: [],
      });
    });

    it("fails when a service's log is missing, empty, or not where the scan reads", () => {
      const elsewhere = join(output, 'portcullis.log');
      writeFileSync(elsewhere, '{"msg":"started"}\n');
      writeFileSync(join(output, 'logs', 'empty.log'), '');
      writeFileSync(
        join(output, 'services', '1.log'),
        [join(output, 'logs', 'gone.log'), join(output, 'logs', 'empty.log'), elsewhere]
          .map((file) => `${file}\n`)
          .join(''),
      );
      const { problems } = scanOutput(output, { serverSecret: undefined, fullRun: false });
      expect(problems).toEqual([
        expect.stringMatching(/gone\.log is missing or empty/),
        expect.stringMatching(/empty\.log is missing or empty/),
        expect.stringMatching(/portcullis\.log is not in .*logs, where the scan reads/),
      ]);
    });

    it.each([
      ['as it is, in a path', (s: string) => `{"path":"/v1/admin/keys/${s}/revoke"}`],
      ['in a Basic header', (s: string) => `{"authorization":"Basic ${b64(`someone:${s}`)}"}`],
      ['percent-encoded', (s: string) => `{"url":"/cb?t=${encodeURIComponent(s)}"}`],
    ])('reports a noted secret %s, in a log line and in an error body', (_, shape) => {
      const log = fill();
      const noted = 'n0ted/secret+value=';
      writeFileSync(join(output, 'secrets', '2.log'), `${noted}\n`);
      writeFileSync(log, `${shape(noted)}\n`, { flag: 'a' });
      writeFileSync(
        join(output, 'error-bodies', '1.log'),
        `${JSON.stringify({ method: 'GET', path: '/x?key=mine', status: 400, body: shape(noted) })}\n`,
      );
      const { leaks } = scanOutput(output, { serverSecret: undefined, fullRun: true });
      expect(leaks).toEqual([
        expect.stringMatching(
          new RegExp(`^keys\\.spec\\.ts-app-0001\\.log:${FULL_RUN_FLOOR.lines + 1}: `),
        ),
        expect.stringMatching(/^error body of GET \/x \(400\): /),
      ]);
    });

    it('reports the server secret, which no test notes', () => {
      const log = fill();
      const serverSecret = 'test-secret-AbCdEf0123456789_-xyz';
      writeFileSync(log, `{"auth":"Basic ${b64(`x:${serverSecret}`)}"}\n`, { flag: 'a' });
      expect(scanOutput(output, { serverSecret, fullRun: true }).leaks).toHaveLength(1);
    });
  });

  it('applies the floor to a run of the whole suite only', () => {
    const whole = { testPathPatterns: { patterns: [] }, onlyChanged: false };
    expect(floorApplies(whole)).toBe(true);
    expect(floorApplies(undefined)).toBe(true);
    expect(floorApplies({ ...whole, testPathPatterns: { patterns: ['test/unit/x'] } })).toBe(false);
    expect(floorApplies({ ...whole, testPathPatterns: ['test/e2e'] })).toBe(false);
    expect(floorApplies({ ...whole, testNamePattern: 'switched off' })).toBe(false);
    expect(floorApplies({ ...whole, onlyChanged: true })).toBe(false);
    expect(floorApplies({ ...whole, shard: { shardIndex: 1, shardCount: 2 } })).toBe(false);
  });
});
