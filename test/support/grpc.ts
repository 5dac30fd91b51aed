import * as grpc from '@grpc/grpc-js';
import { EnvoyGrpcServer } from '../../src/adapters/envoy-grpc/envoy-grpc.server.js';
import {
  loadAuthorizationService,
  type CheckRequest,
  type CheckResponse,
} from '../../src/adapters/envoy-grpc/envoy-proto.js';
import type { TestApp } from './test-app.js';

/** An Envoy ext_authz gRPC client, as Envoy would call Portcullis. */
export type CheckClient = grpc.Client & {
  Check(
    request: CheckRequest,
    callback: (error: grpc.ServiceError | null, response: CheckResponse) => void,
  ): void;
};

/** A client of a test service's gRPC port (start the service with GRPC_PORT=0). */
export function checkClient(service: TestApp): CheckClient {
  const Authorization = loadAuthorizationService();
  return new Authorization(
    `127.0.0.1:${service.app.get(EnvoyGrpcServer).port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as CheckClient;
}
