// The gRPC floor: a bare grpc-js ext_authz server that allows everything, on the same proto.
import * as grpc from '@grpc/grpc-js';
import { GRPC, loadAuthorizationService } from '../src/adapters/envoy-grpc/envoy-proto.js';

const server = new grpc.Server();
server.addService(loadAuthorizationService().service, {
  Check: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, {
      status: { code: GRPC.OK },
      ok_response: { headers: [], headers_to_remove: [] },
    }),
});
server.bindAsync(
  `127.0.0.1:${process.argv[2] ?? 0}`,
  grpc.ServerCredentials.createInsecure(),
  (error) => {
    if (error) throw error;
    process.send?.('ready');
  },
);
