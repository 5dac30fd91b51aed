// npm run soak: minutes of mixed traffic through two Portcullis instances sharing PostgreSQL and
// Redis, while an admin changes what the answers should be. It fails on any unexpected error (a
// 5xx, an `unavailable`, a dropped connection), on any decision that contradicts the state at that
// moment, and on memory that keeps growing after the warm-up. Loopback only. Good traffic comes
// from many client addresses, bad credentials from a few (through X-Forwarded-For, the loopback
// being a trusted proxy): the failed-attempt limit stops the few and must never touch the many.
// SOAK_SECONDS (default 600), SOAK_CONCURRENCY (default 16), SOAK_CHANGE_MS (default 400).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { generateKey } from '../../src/keys/key-format.js';
import { TestOidcProvider } from '../../test/support/oidc-provider.js';
import { openBackends } from '../backends.js';
import {
  adminApi,
  percentile,
  registerTestProvider,
  rssMb,
  startPortcullis,
  stop,
  work,
} from '../harness.js';
import { contradicts, expectAllowedWhen, Fact, type Expectation } from './soak-model.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
const CHANGE_MS = Number(process.env.SOAK_CHANGE_MS ?? 400);
/** Memory is compared from here on: caches and JIT have settled. */
const WARM_UP_SECONDS = Math.min(120, SECONDS / 5);
const USERS = 8;
const PUBLIC_PATTERN = '/status/**';
/** The rule the admin loop adds and deletes, making PUBLIC_PATTERN public and protected again. */
const PUBLIC_RULE = 'soak-public-status';

interface SoakUser {
  name: string;
  id: string;
  disabled: Fact;
  jwt: string;
}
interface SoakKey {
  key: string;
  id: string;
  user: SoakUser;
  revoked: Fact;
}

/** One kind of request, what it sends and what its answer should be. */
interface Probe {
  kind: string;
  path: string;
  /** The client's address, as the proxy in front reports it. */
  clientIp: string;
  authorization?: string;
  expected: (sent: number, answered: number) => Expectation;
}

interface Tally {
  sent: number;
  allowed: number;
  denied: number;
  /** Refused as rate_limited: the failed-attempt limit at work. */
  limited: number;
  unexpected: number;
  contradictions: number;
}

const not = (fact: boolean | undefined) => (fact === undefined ? undefined : !fact);
const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;
/** Where good traffic comes from (many addresses), and bad credentials (a few). */
const goodClient = () =>
  `10.0.${Math.floor(Math.random() * 4)}.${1 + Math.floor(Math.random() * 250)}`;
const badClient = () => `192.0.2.${1 + Math.floor(Math.random() * 8)}`;
/** Refusals that are right for a bad credential, besides 401 and 403. */
const LIMITED = new Set(['rate_limited']);

async function main(): Promise<void> {
  const backends = await openBackends('soak');
  console.log(`Soak: ${SECONDS} s, ${CONCURRENCY} connections, a change every ${CHANGE_MS} ms`);
  console.log(`Backends: ${backends.describe()}`);
  const adminKey = generateKey().plaintext;
  const env = {
    PORTCULLIS_SECRET: randomBytes(32).toString('base64url'),
    PORTCULLIS_BOOTSTRAP_ADMIN: 'soak-admin',
    PORTCULLIS_BOOTSTRAP_ADMIN_KEY: adminKey,
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    GRPC_PORT: 'off',
    ...backends.env(join(work, 'data')),
  };
  const a = await startPortcullis(env);
  const b = await startPortcullis(env);
  const instances = [a, b];
  const admins = instances.map((instance) => adminApi(instance.url, adminKey));

  const names = Array.from({ length: USERS }, (_, i) => `soak-user-${i}`);
  const idp = await TestOidcProvider.start({
    accounts: Object.fromEntries([...names, 'soak-ghost'].map((name) => [name, {}])),
  });
  await registerTestProvider(admins[0]!, idp, 'soak idp');
  const lifetimeSeconds = SECONDS + 600;
  const users: SoakUser[] = [];
  for (const name of names) {
    const { id } = await admins[0]!<{ id: string }>('POST', '/v1/admin/users', { username: name });
    users.push({
      name,
      id,
      disabled: new Fact(false),
      jwt: await idp.jwtAccessToken(name, { lifetimeSeconds }),
    });
  }
  // Known to the provider, not to Portcullis: always refused.
  const ghostJwt = await idp.jwtAccessToken('soak-ghost', { lifetimeSeconds });
  /** Keys not revoked (some belong to disabled users), and revoked ones. */
  const keys: SoakKey[] = [];
  const revokedKeys: SoakKey[] = [];
  const createKey = async (user: SoakUser, admin = admins[0]!) => {
    const created = await admin<{ id: string; key: string }>('POST', '/v1/admin/keys', {
      name: `soak-${keys.length + revokedKeys.length}`,
      username: user.name,
      type: 'bearer',
      expiresIn: 'never',
    });
    keys.push({ key: created.key, id: created.id, user, revoked: new Fact(false) });
  };
  for (let i = 0; i < 4 * USERS; i++) await createKey(users[i % USERS]!);
  // The loopback is the proxy in front: X-Forwarded-For names the client.
  await admins[0]!('PATCH', '/v1/admin/settings', { trustedProxies: ['127.0.0.1/32', '::1/128'] });
  const statusPublic = new Fact(false);
  /** The name of the rule that makes PUBLIC_PATTERN public, while it exists. */
  let publicRule: string | undefined;

  const keyProbe = (kind: string, key: SoakKey, clientIp: string): Probe => ({
    kind,
    path: '/orders/42',
    clientIp,
    authorization: `Bearer ${key.key}`,
    expected: (sent, answered) =>
      expectAllowedWhen([
        not(key.revoked.at(sent, answered)),
        not(key.user.disabled.at(sent, answered)),
      ]),
  });
  const probes: { weight: number; make: () => Probe }[] = [
    { weight: 40, make: () => keyProbe('key', pick(keys), goodClient()) },
    {
      weight: 10,
      make: () => keyProbe('revoked key', pick(revokedKeys) ?? pick(keys), badClient()),
    },
    {
      weight: 15,
      make: () => {
        const user = pick(users);
        return {
          kind: 'provider jwt',
          path: '/orders/42',
          clientIp: goodClient(),
          authorization: `Bearer ${user.jwt}`,
          expected: (sent, answered) => expectAllowedWhen([not(user.disabled.at(sent, answered))]),
        };
      },
    },
    { weight: 5, make: () => refused('ghost jwt', `Bearer ${ghostJwt}`) },
    { weight: 8, make: () => refused('unknown key', `Bearer ${generateKey().plaintext}`) },
    {
      weight: 5,
      make: () => {
        const valid = pick(keys).key;
        return refused(
          'malformed key',
          `Bearer ${valid.slice(0, -1)}${valid.endsWith('a') ? 'b' : 'a'}`,
        );
      },
    },
    {
      weight: 5,
      make: () =>
        refused('unknown opaque token', `Bearer ${randomBytes(32).toString('base64url')}`),
    },
    {
      weight: 10,
      make: () => ({
        kind: 'anonymous, public path',
        path: '/status/health',
        clientIp: goodClient(),
        expected: (sent, answered) => expectAllowedWhen([statusPublic.at(sent, answered)]),
      }),
    },
    { weight: 2, make: () => refused('anonymous', undefined) },
  ];
  const totalWeight = probes.reduce((sum, probe) => sum + probe.weight, 0);
  const nextProbe = (): Probe => {
    let roll = Math.random() * totalWeight;
    for (const probe of probes) if ((roll -= probe.weight) < 0) return probe.make();
    return probes[0]!.make();
  };

  const tallies = new Map<string, Tally>();
  const tally = (kind: string) => {
    let found = tallies.get(kind);
    if (found === undefined) {
      found = { sent: 0, allowed: 0, denied: 0, limited: 0, unexpected: 0, contradictions: 0 };
      tallies.set(kind, found);
    }
    return found;
  };
  const examples: string[] = [];
  const note = (line: string) => {
    if (examples.length < 20) examples.push(line);
  };
  const latencies: number[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  let requestNumber = 0;

  const trafficLoop = async () => {
    while (Date.now() < deadline) {
      const probe = nextProbe();
      const instance = instances[requestNumber % 2]!;
      // Every eighth request goes through the Envoy HTTP endpoint, the rest through nginx's.
      const envoy = requestNumber++ % 8 === 7;
      const sent = Date.now();
      const answer = await decide(instance.url, probe, envoy, agent).catch((error: Error) => ({
        status: 0,
        reason: error.message,
      }));
      const answered = Date.now();
      if (latencies.length < 2_000_000) latencies.push(answered - sent);
      const counts = tally(probe.kind);
      counts.sent++;
      const denied =
        answer.status === 401 ||
        answer.status === 403 ||
        (answer.status === 429 && LIMITED.has(answer.reason));
      if (answer.status !== 200 && (!denied || answer.reason === 'unavailable')) {
        counts.unexpected++;
        note(
          `unexpected: ${probe.kind} ${envoy ? 'envoy' : 'nginx'} ${answer.status} ${answer.reason}`,
        );
        continue;
      }
      const allowed = answer.status === 200;
      if (allowed) counts.allowed++;
      else counts.denied++;
      if (LIMITED.has(answer.reason)) counts.limited++;
      const expected = probe.expected(sent, answered);
      if (contradicts(expected, allowed)) {
        counts.contradictions++;
        note(
          `contradiction at ${((sent - started) / 1000).toFixed(1)} s: ${probe.kind} expected ${expected}, got ${answer.status} ${answer.reason}`,
        );
      }
    }
  };

  const changes = new Map<string, number>();
  let adminErrors = 0;
  const change = async (admin: (typeof admins)[number]) => {
    const roll = Math.random();
    const active = keys.filter((key) => !key.user.disabled.current);
    const disabled = users.filter((user) => user.disabled.current);
    if (roll < 0.35 || active.length < USERS) {
      await createKey(pick(users.filter((user) => !user.disabled.current)), admin);
      return 'key created';
    }
    if (roll < 0.65) {
      const key = pick(active);
      const done = key.revoked.begin(true);
      await admin('POST', `/v1/admin/keys/${key.id}/revoke`);
      done();
      keys.splice(keys.indexOf(key), 1);
      revokedKeys.push(key);
      return 'key revoked';
    }
    if (roll < 0.85) {
      const user =
        disabled.length >= 3 || (disabled.length > 0 && roll < 0.75)
          ? pick(disabled)
          : pick(users.filter((candidate) => !candidate.disabled.current));
      const disable = !user.disabled.current;
      const done = user.disabled.begin(disable);
      await admin('PATCH', `/v1/admin/users/${user.id}`, { disabled: disable });
      done();
      return disable ? 'user disabled' : 'user enabled';
    }
    if (publicRule === undefined) {
      const done = statusPublic.begin(true);
      publicRule = (
        await admin<{ rule: { name: string } }>('POST', '/v1/admin/rules', {
          name: PUBLIC_RULE,
          effect: 'public',
          match: { paths: [PUBLIC_PATTERN] },
        })
      ).rule.name;
      done();
      return 'path made public';
    }
    const done = statusPublic.begin(false);
    await admin('DELETE', `/v1/admin/rules/${publicRule}`);
    publicRule = undefined;
    done();
    return 'public path removed';
  };
  const adminLoop = async () => {
    for (let i = 0; Date.now() < deadline; i++) {
      await new Promise((resolve) => setTimeout(resolve, CHANGE_MS));
      try {
        const made = await change(admins[i % 2]!);
        changes.set(made, (changes.get(made) ?? 0) + 1);
      } catch (error) {
        adminErrors++;
        note(`admin change failed: ${(error as Error).message}`);
      }
    }
  };

  const memory: { second: number; a: number; b: number }[] = [];
  const memoryLoop = async () => {
    while (Date.now() < deadline) {
      memory.push({
        second: Math.round((Date.now() - started) / 1000),
        a: rssMb(a.pid),
        b: rssMb(b.pid),
      });
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  };
  const progress = setInterval(() => {
    const sent = [...tallies.values()].reduce((sum, counts) => sum + counts.sent, 0);
    console.log(
      `  ${Math.round((Date.now() - started) / 1000)} s: ${sent.toLocaleString('en')} requests, RSS ${memory.at(-1)?.a} / ${memory.at(-1)?.b} MB`,
    );
  }, 60_000);

  await Promise.all([
    ...Array.from({ length: CONCURRENCY }, trafficLoop),
    adminLoop(),
    memoryLoop(),
  ]);
  clearInterval(progress);
  agent.destroy();
  const exits = await Promise.all(instances.map((instance) => stopCleanly(instance.child)));
  await idp.stop();
  await backends.release();

  const report = summarise({
    seconds: (Date.now() - started) / 1000,
    tallies,
    changes,
    adminErrors,
    latencies,
    memory,
    exits,
    examples,
  });
  console.log(report.text);
  const output = join(process.cwd(), '.soak-output');
  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, 'report.md'), report.text);
  process.exitCode = report.passed ? 0 : 1;
}

function refused(kind: string, authorization: string | undefined): Probe {
  return { kind, path: '/orders/42', clientIp: badClient(), authorization, expected: () => 'deny' };
}

/** One decision through nginx's endpoint or Envoy's: its status and reason. */
function decide(
  baseUrl: string,
  probe: Probe,
  envoy: boolean,
  agent: Agent,
): Promise<{ status: number; reason: string }> {
  const headers: Record<string, string> = envoy
    ? { 'x-forwarded-for': probe.clientIp }
    : {
        'x-original-uri': probe.path,
        'x-original-method': 'GET',
        'x-forwarded-for': probe.clientIp,
      };
  if (probe.authorization !== undefined) headers.authorization = probe.authorization;
  const url = envoy ? `${baseUrl}/v1/authz/envoy${probe.path}` : `${baseUrl}/v1/authz/nginx`;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent, headers, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const reason =
          (response.headers['x-auth-reason'] as string | undefined) ??
          reasonFromBody(Buffer.concat(chunks).toString());
        resolve({ status: response.statusCode ?? 0, reason });
      });
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function reasonFromBody(body: string): string {
  try {
    return String((JSON.parse(body) as { reason?: unknown }).reason ?? '');
  } catch {
    return '';
  }
}

/** SIGTERM, and whether the instance drained and exited by itself with status 0. */
async function stopCleanly(child: Parameters<typeof stop>[0]): Promise<number | null> {
  await stop(child);
  return child.exitCode;
}

function summarise(run: {
  seconds: number;
  tallies: Map<string, Tally>;
  changes: Map<string, number>;
  adminErrors: number;
  latencies: number[];
  memory: { second: number; a: number; b: number }[];
  exits: (number | null)[];
  examples: string[];
}): { text: string; passed: boolean } {
  const all = [...run.tallies.values()];
  const sum = (pick: (tally: Tally) => number) => all.reduce((total, t) => total + pick(t), 0);
  const sent = sum((t) => t.sent);
  const unexpected = sum((t) => t.unexpected);
  const contradictions = sum((t) => t.contradictions);
  const sorted = [...run.latencies].sort((x, y) => x - y);
  const settled = run.memory.filter((sample) => sample.second >= WARM_UP_SECONDS);
  // Peaks, not single samples: a sample just after a collection would look like a fall.
  const half = Math.ceil(settled.length / 2);
  const growth = (instance: 'a' | 'b') => {
    const peak = (samples: typeof settled) => Math.max(0, ...samples.map((s) => s[instance]));
    const first = peak(settled.slice(0, half));
    const peakLater = peak(settled.slice(half));
    return { first, peakLater, growth: peakLater - first };
  };
  const memory = { a: growth('a'), b: growth('b') };
  // Flat: the second half's peak within 20 MB or 15%, whichever is larger, of the first half's.
  const flat = (m: { first: number; growth: number }) => m.growth <= Math.max(20, m.first * 0.15);
  const cleanExits = run.exits.every((code) => code === 0);
  const passed =
    unexpected === 0 &&
    contradictions === 0 &&
    run.adminErrors === 0 &&
    flat(memory.a) &&
    flat(memory.b) &&
    cleanExits;

  const lines = [
    `## Soak run: ${passed ? 'passed' : 'FAILED'}`,
    '',
    `${Math.round(run.seconds)} s, ${sent.toLocaleString('en')} decisions (${Math.round(sent / run.seconds).toLocaleString('en')}/s) ` +
      `through two instances, latency p50 ${percentile(sorted, 0.5)} ms, p99 ${percentile(sorted, 0.99)} ms (client-side, ${CONCURRENCY} connections).`,
    '',
    '| traffic | sent | allowed | denied | of which rate-limited | unexpected errors | contradictions |',
    '|---|---|---|---|---|---|---|',
    ...[...run.tallies].map(
      ([kind, t]) =>
        `| ${kind} | ${t.sent} | ${t.allowed} | ${t.denied} | ${t.limited} | ${t.unexpected} | ${t.contradictions} |`,
    ),
    `| **all** | ${sent} | ${sum((t) => t.allowed)} | ${sum((t) => t.denied)} | ${sum((t) => t.limited)} | ${unexpected} | ${contradictions} |`,
    '',
    `Admin changes: ${[...run.changes].map(([what, count]) => `${count} ${what}`).join(', ')}; ${run.adminErrors} failed.`,
    '',
    `Peak RSS in the first and in the second half of the run after its ${WARM_UP_SECONDS} s warm-up: ` +
      `A ${memory.a.first} -> ${memory.a.peakLater} MB, B ${memory.b.first} -> ${memory.b.peakLater} MB ` +
      `(${flat(memory.a) && flat(memory.b) ? 'flat' : 'GROWING'}).`,
    `Shutdown: exit codes ${run.exits.join(', ')}.`,
    ...(run.examples.length > 0
      ? ['', 'First problems seen:', ...run.examples.map((e) => `- ${e}`)]
      : []),
    '',
  ];
  return { text: lines.join('\n'), passed };
}

await main();
