// A load generator for Envoy's ext_authz gRPC Check (wrk speaks only HTTP/1.1): CONNECTIONS calls in
// flight over one channel, as Envoy multiplexes them, each answer starting the next call.
import * as grpc from '@grpc/grpc-js';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import {
  GRPC,
  loadAuthorizationService,
  type CheckRequest,
  type CheckResponse,
} from '../../src/adapters/envoy-grpc/envoy-proto.js';
import { CONNECTIONS, freePort, percentile, type Load } from '../harness.js';
import type { LoadResult } from '../load.js';

type CheckClient = grpc.Client & {
  Check(
    request: CheckRequest,
    callback: (e: grpc.ServiceError | null, r: CheckResponse) => void,
  ): void;
};

const clients = new Map<string, CheckClient>();

function clientFor(address: string): CheckClient {
  let client = clients.get(address);
  if (client === undefined) {
    const Authorization = loadAuthorizationService();
    client = new Authorization(
      address,
      grpc.credentials.createInsecure(),
    ) as unknown as CheckClient;
    clients.set(address, client);
  }
  return client;
}

/** Target url `grpc://127.0.0.1:<port>`; `status` is the expected gRPC code (0 = allowed). */
export const grpcLoad: Load = async (target, seconds) => {
  const client = clientFor(target.url.replace(/^grpc:\/\//, ''));
  const request: CheckRequest = {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1' } } },
      request: {
        http: {
          method: 'GET',
          path: '/orders/42',
          host: 'api.example',
          headers: target.headers ?? {},
        },
      },
    },
  };
  const latencies: number[] = [];
  let unexpected = 0;
  const deadline = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const code = await new Promise<number>((resolve) =>
        client.Check(request, (error, response) => resolve(error ? -1 : response.status.code)),
      );
      latencies.push(performance.now() - started);
      if (code !== target.status) unexpected++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const elapsed = (performance.now() - started) / 1000;
  return {
    requestsPerSecond: latencies.length / elapsed,
    requests: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    unexpected,
  } satisfies LoadResult;
};

/** A bare grpc-js Check server in its own process: the baseline of the gRPC scenario. */
export async function startGrpcFloor(): Promise<{ url: string; pid: number; stop(): void }> {
  const port = await freePort();
  const child = fork(join(import.meta.dirname, '..', 'grpc-floor-server.js'), [String(port)], {
    stdio: 'ignore',
  });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the gRPC floor server exited (${code})`)));
  });
  return { url: `grpc://127.0.0.1:${port}`, pid: child.pid!, stop: () => child.kill() };
}

export const GRPC_OK = GRPC.OK;

export function closeGrpcClients(): void {
  for (const client of clients.values()) client.close();
  clients.clear();
}
