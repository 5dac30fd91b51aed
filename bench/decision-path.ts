// The decision path alone, in process: CPU per call of the nginx handler with stub request and
// response objects (no sockets, no HTTP parsing), for a cached key, an unknown key and a malformed
// one. What Portcullis adds on top of Node's HTTP layer; far less noisy than throughput on a
// shared machine. Run after `npm run bench` (which builds it): node .bench-build/bench/decision-path.js
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decisionRoute } from '../src/adapters/decision-server.js';
import { NginxAuthzHandler } from '../src/adapters/nginx/nginx-authz.handler.js';
import { createApp } from '../src/app.js';
import { createFirstAdmin } from '../src/bootstrap/first-admin.js';
import { loadConfig } from '../src/config/app-config.js';
import { generateKey } from '../src/keys/key-format.js';
import { createLogger } from '../src/logging/logger.js';
import { openRuntime } from '../src/runtime.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const RUNS = 3;
/** Calls in flight at once when the path is asynchronous, as wrk's connections would be. */
const CONCURRENCY = 50;

const work = mkdtempSync(join(tmpdir(), 'portcullis-path-'));
const config = loadConfig({
  PORTCULLIS_SECRET: 'decision-path-bench-secret-0123456789abcdef',
  DATA_DIR: join(work, 'data'),
  GRPC_PORT: 'off',
  LOG_FILE: '/dev/null',
  NODE_ENV: 'production',
});
const runtime = await openRuntime(config, createLogger(config));
const admin = await createFirstAdmin(runtime.dataSource, runtime.hasher, config.adminGroup, {
  username: 'bench-admin',
});
const app = await createApp(runtime);
await app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
const headers = { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json' };
await fetch(`${url}/v1/admin/users`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ username: 'bench-user', email: 'bench@example.com' }),
});
const created = await fetch(`${url}/v1/admin/keys`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ username: 'bench-user', name: 'b', type: 'bearer', expiresIn: 'never' }),
});
const valid = ((await created.json()) as { key: string }).key;

const handler = app.get(NginxAuthzHandler);
const NGINX_ROUTE = decisionRoute('/v1/authz/nginx')!;
const response = { writeHead: () => response, end: () => undefined, headersSent: false };
const keys = {
  'valid key, in-process cache hit': valid,
  'unknown key (negative cache)': generateKey().plaintext,
  'malformed key (checksum)': valid.slice(0, -1) + (valid.endsWith('a') ? 'b' : 'a'),
};

console.log(`CPU per decision, in process (${RUNS} runs of ${CALLS} calls; best, median):`);
for (const [name, key] of Object.entries(keys)) {
  const rawHeaders = ['Host', '127.0.0.1', 'Authorization', `Bearer ${key}`];
  rawHeaders.push('X-Original-URI', '/orders/42?expand=items', 'X-Original-Method', 'GET');
  const request = {
    url: '/v1/authz/nginx',
    method: 'GET',
    socket: { remoteAddress: '127.0.0.1' },
    rawHeaders,
    headers: Object.fromEntries(
      Array.from({ length: rawHeaders.length / 2 }, (_, i) => [
        rawHeaders[2 * i]!.toLowerCase(),
        rawHeaders[2 * i + 1]!,
      ]),
    ),
  } as unknown as IncomingMessage;
  const calls = async (count: number) => {
    for (let i = 0; i < count; i += CONCURRENCY) {
      const pending: Promise<void>[] = [];
      for (let j = 0; j < CONCURRENCY; j++) {
        const answered = handler.handle(
          request,
          response as unknown as ServerResponse,
          NGINX_ROUTE,
        );
        if (answered) pending.push(answered);
      }
      if (pending.length > 0) await Promise.all(pending);
    }
  };
  await calls(CALLS / 5);
  const micros: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const before = process.cpuUsage();
    await calls(CALLS);
    const used = process.cpuUsage(before);
    micros.push((used.user + used.system) / CALLS);
  }
  micros.sort((a, b) => a - b);
  console.log(`  ${name}: ${micros[0]!.toFixed(2)} µs, ${micros[1]!.toFixed(2)} µs`);
}
await app.close();
await runtime.close();
rmSync(work, { recursive: true, force: true });
