import type { GrpcObject, ServiceClientConstructor } from '@grpc/grpc-js';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

/** The hand-written ext_authz proto, shared by the server and by clients (tests, benchmark). */
export const EXTERNAL_AUTH_PROTO = fileURLToPath(
  new URL('../../../proto/external_auth.proto', import.meta.url),
);

export function loadAuthorizationService(): ServiceClientConstructor {
  const definition = loadSync(EXTERNAL_AUTH_PROTO, {
    keepCase: true,
    longs: String,
    enums: Number,
    defaults: true,
    oneofs: true,
  });
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { auth: { v3: GrpcObject } } };
  };
  return root.envoy.service.auth.v3.Authorization as ServiceClientConstructor;
}

/** gRPC status codes used in CheckResponse.status. */
export const GRPC = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

export const OVERWRITE_IF_EXISTS_OR_ADD = 2;

export interface HeaderValueOption {
  header: { key: string; value: string };
  append_action: number;
}

export interface CheckRequest {
  attributes?: {
    source?: { address?: { socket_address?: { address?: string } } };
    /** Set per route in Envoy's configuration (never by the client). */
    context_extensions?: Record<string, string>;
    request?: {
      http?: {
        id?: string;
        method?: string;
        headers?: Record<string, string>;
        path?: string;
        host?: string;
      };
    };
  };
}

export interface CheckResponse {
  status: { code: number; message?: string };
  ok_response?: { headers: HeaderValueOption[]; headers_to_remove: string[] };
  denied_response?: { status: { code: number }; headers: HeaderValueOption[]; body: string };
  dynamic_metadata?: Struct;
}

/** google.protobuf.Struct as proto-loader reads and writes it (keepCase). */
export interface Struct {
  fields: Record<string, StructValue>;
}

export type StructValue =
  | { string_value: string }
  | { number_value: number }
  | { bool_value: boolean }
  | { list_value: { values: StructValue[] } }
  | { struct_value: Struct };
