import * as grpc from '@grpc/grpc-js';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { proxyRequestId } from '../../common/request-id.js';
import { AppConfig } from '../../config/app-config.js';
import { normaliseIp } from '../../core/client-ip.js';
import { DecisionPipeline } from '../../decision/decision-pipeline.js';
import { forUri } from '../../core/decision-request.js';
import type { Decision } from '../../core/decision.js';
import { IdentityHeaders } from '../../decision/identity-headers.js';
import { isPromise, type MaybePromise } from '../../core/maybe-promise.js';
import { LOGGER, type Logger } from '../../logging/logger.js';
import { SettingsService } from '../../settings/settings.service.js';
import { Challenges } from '../challenge.js';
import {
  GRPC,
  loadAuthorizationService,
  OVERWRITE_IF_EXISTS_OR_ADD,
  type CheckRequest,
  type CheckResponse,
  type HeaderValueOption,
  type Struct,
  type StructValue,
} from './envoy-proto.js';

/** GRPC_PORT cannot be bound: in use, or not permitted (grpc-js says no more than that). */
export class GrpcPortUnavailableError extends Error {
  constructor(
    readonly address: string,
    override readonly cause: unknown,
  ) {
    super(
      `Cannot open the Envoy ext_authz gRPC port ${address}: it is in use or not permitted. ` +
        'Set GRPC_PORT to a free port, or GRPC_PORT=off when Envoy does not call Portcullis over gRPC.',
    );
    this.name = 'GrpcPortUnavailableError';
  }
}

/**
 * Envoy ext_authz over gRPC (`envoy.service.auth.v3.Authorization/Check`) on GRPC_PORT. Allowed:
 * status OK with the identity headers (overwriting any the client sent) and the style's other
 * identity headers removed. Refused: PERMISSION_DENIED or UNAUTHENTICATED with a denied response
 * carrying the HTTP status, WWW-Authenticate and a JSON body. Over a rate limit or quota:
 * RESOURCE_EXHAUSTED with a 429 denied response and Retry-After. Could not decide: UNAVAILABLE with
 * a 503 denied response, so Envoy refuses whatever its failure mode.
 * Envoy has already chosen the client address (`xff_num_trusted_hops`): the source address it
 * sends is taken as is, so this port must be reachable by Envoy alone.
 */
@Injectable()
export class EnvoyGrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: grpc.Server | undefined;
  private readonly challenges: Challenges;
  /** The port actually bound (GRPC_PORT=0 picks a free one). */
  port: number | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly pipeline: DecisionPipeline,
    private readonly settings: SettingsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.challenges = new Challenges(config.realm);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.grpcPort === undefined) return;
    // grpc-js writes its own errors to stderr ("E No address added ..."); into the log with them,
    // so that a failed start says one thing there (GrpcPortUnavailableError).
    const toLog = (message: string, ...rest: unknown[]) =>
      this.logger.warn({ grpc: [message, ...rest].join(' ') }, 'grpc-js');
    grpc.setLogger({ error: toLog, info: toLog, debug: toLog });
    const server = new grpc.Server();
    server.addService(loadAuthorizationService().service, {
      Check: (
        call: grpc.ServerUnaryCall<CheckRequest, CheckResponse>,
        callback: grpc.sendUnaryData<CheckResponse>,
      ) => {
        const failed = (error: unknown) => {
          this.logger.error(
            { err: (error as Error | undefined)?.message },
            'ext_authz Check failed',
          );
          callback({ code: grpc.status.UNAVAILABLE, details: 'could not decide' });
        };
        let response: MaybePromise<CheckResponse>;
        try {
          response = this.check(call.request);
        } catch (error) {
          failed(error);
          return;
        }
        if (isPromise(response)) response.then((settled) => callback(null, settled), failed);
        else callback(null, response);
      },
    });
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    const address = `${host}:${this.config.grpcPort}`;
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(new GrpcPortUnavailableError(address, error)) : resolve(port),
      ),
    );
    this.server = server;
    this.logger.info({ port: this.port }, 'Envoy ext_authz gRPC server is listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }

  /** Answers at once when the decision was made at once (a cached key), else when it is made. */
  check(request: CheckRequest): MaybePromise<CheckResponse> {
    const http = request.attributes?.request?.http ?? {};
    const headers = http.headers ?? {};
    const source = request.attributes?.source?.address?.socket_address?.address ?? '';
    const decision = this.pipeline.decide(
      forUri(http.path ?? '', {
        interface: 'envoy-grpc',
        method: (http.method || 'GET').toUpperCase(),
        host: (http.host || headers[':authority'] || headers.host || '').toLowerCase(),
        clientIp: normaliseIp(source) ?? '',
        authorization: headers.authorization === undefined ? [] : [headers.authorization],
        requestId: proxyRequestId(http.id || headers['x-request-id']),
        ruleSet: request.attributes?.context_extensions?.[RULE_SET_EXTENSION] ?? null,
      }),
    );
    return isPromise(decision)
      ? decision.then((settled) => this.toResponse(settled))
      : this.toResponse(decision);
  }

  private toResponse(decision: Decision): CheckResponse {
    const style = IdentityHeaders.of(this.settings.current().identityHeaderStyle);
    if (decision.allowed) {
      const upstream = style.forAllowed(decision);
      return {
        status: { code: GRPC.OK },
        ok_response: {
          headers: Object.entries(upstream).map(([key, value]) => header(key, value)),
          headers_to_remove: style.absentFrom(upstream),
        },
        dynamic_metadata: decisionMetadata(decision),
      };
    }
    const headers = [
      header('x-auth-reason', decision.reason),
      header('content-type', 'application/json'),
    ];
    const challenge = this.challenges.for(decision);
    if (challenge !== undefined) headers.push(header('www-authenticate', challenge));
    if (decision.retryAfter !== null) {
      headers.push(header('retry-after', String(decision.retryAfter)));
    }
    const code = GRPC_CODE_BY_STATUS[decision.status];
    return {
      status: { code, message: decision.reason },
      denied_response: {
        status: { code: decision.status },
        headers,
        body: JSON.stringify({ status: decision.status, reason: decision.reason }),
      },
    };
  }
}

/**
 * The context extension naming the rule set that decides a route's requests; set per route in
 * Envoy (`check_settings.context_extensions`), so a client cannot choose it.
 */
export const RULE_SET_EXTENSION = 'portcullis.rules';

const GRPC_CODE_BY_STATUS: Record<Decision['status'], number> = {
  200: GRPC.OK,
  401: GRPC.UNAUTHENTICATED,
  403: GRPC.PERMISSION_DENIED,
  429: GRPC.RESOURCE_EXHAUSTED,
  503: GRPC.UNAVAILABLE,
};

function header(key: string, value: string): HeaderValueOption {
  return { header: { key, value }, append_action: OVERWRITE_IF_EXISTS_OR_ADD };
}

/**
 * What an allowed answer tells Envoy's next filters (rate limit, access log) as dynamic metadata:
 * who, by which credential, in which groups, with which scopes, and the rule that decided.
 */
function decisionMetadata(decision: Decision): Struct {
  const text = (value: string): StructValue => ({ string_value: value });
  const list = (values: readonly string[]): StructValue => ({
    list_value: { values: values.map(text) },
  });
  const identity = decision.identity;
  return {
    fields: {
      reason: text(decision.reason),
      ...(decision.rule !== null && { rule: text(decision.rule) }),
      ...(identity !== null && {
        user: text(identity.username),
        user_id: text(identity.userId),
        credential_kind: text(identity.credential.kind),
        key_id: text(identity.credential.keyId),
        groups: list(identity.groups),
        scopes: list(identity.scopes ?? []),
      }),
    },
  };
}
