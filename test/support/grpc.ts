import * as grpc from '@grpc/grpc-js';
import { EnvoyGrpcServer } from '../../src/adapters/envoy-grpc/envoy-grpc.server.js';
import {
  loadAuthorizationService,
  type CheckRequest,
  type CheckResponse,
} from '../../src/adapters/envoy-grpc/envoy-proto.js';
import { rememberErrorBody, rememberHeaders } from './secret-ledger.js';
import type { TestApp } from './test-app.js';

/** An Envoy ext_authz gRPC client, as Envoy would call Portcullis. */
export type CheckClient = grpc.Client & {
  Check(
    request: CheckRequest,
    callback: (error: grpc.ServiceError | null, response: CheckResponse) => void,
  ): void;
};

/**
 * A client of a test service's gRPC port (start the service with GRPC_PORT=0). Its Check notes
 * the credentials it sends and keeps the bodies of denied responses, for the secret scan.
 */
export function checkClient(service: TestApp): CheckClient {
  const Authorization = loadAuthorizationService();
  const client = new Authorization(
    `127.0.0.1:${service.app.get(EnvoyGrpcServer).port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as CheckClient;
  const check = client.Check.bind(client);
  client.Check = (request, callback) => {
    const http = request.attributes?.request?.http;
    rememberHeaders(http?.headers);
    return check(request, (error, response) => {
      const denied = response?.denied_response;
      if (denied !== undefined && denied !== null) {
        rememberErrorBody('Check', http?.path ?? '', denied.status.code, denied.body);
      }
      callback(error, response);
    });
  };
  return client;
}
