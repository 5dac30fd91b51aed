import { NestFactory } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DecisionServer } from './adapters/decision-server.js';
import { EnvoyAuthzHandler } from './adapters/envoy-http/envoy-authz.handler.js';
import { NginxAuthzHandler } from './adapters/nginx/nginx-authz.handler.js';
import { AppModule } from './app.module.js';
import { requestIdFor } from './common/request-id.js';
import { createValidationPipe } from './common/validation.js';
import { serveConsole } from './console/console-assets.js';
import { NestLogger } from './logging/logger.js';
import { buildOpenApiDocument } from './openapi/openapi-document.js';
import { OpenApiDocumentHolder } from './openapi/openapi.controller.js';
import type { Runtime } from './runtime.js';

/** Largest request body accepted anywhere; admin documents are small. */
const BODY_LIMIT_BYTES = 256 * 1024;

/** Builds the NestJS application on Fastify around an opened runtime (not yet listening). */
export async function createApp(runtime: Runtime): Promise<NestFastifyApplication> {
  let decisionServer: DecisionServer | undefined;
  const adapter = new FastifyAdapter({
    // The proxy endpoints are answered in front of Fastify (see DecisionServer).
    serverFactory: (handler: (request: IncomingMessage, response: ServerResponse) => void) => {
      decisionServer = new DecisionServer(handler, runtime.logger);
      return decisionServer.server;
    },
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    // Request logging happens where it is cheap and useful (decisions), not per request here.
    logger: false,
    // Every admin API answer names its request (X-Request-Id), as do the logs of its errors.
    genReqId: (request: IncomingMessage) => requestIdFor(request.headers['x-request-id']),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  // Form bodies (RFC 7662 introspection) as URLSearchParams, so repeated fields stay visible.
  adapter
    .getInstance()
    .addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, new URLSearchParams(body as string)),
    );
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRuntime(runtime),
    adapter,
    {
      logger: new NestLogger(runtime.logger),
      bufferLogs: false,
      // Fastify parses JSON itself; the form parser above replaces Nest's qs-based one.
      bodyParser: false,
    },
  );
  app.useGlobalPipes(createValidationPipe());
  serveConsole(adapter.getInstance());
  await app.init();
  const nginx = app.get(NginxAuthzHandler);
  const envoy = app.get(EnvoyAuthzHandler);
  decisionServer!.attach({
    nginx: (request, response) => nginx.handle(request, response),
    envoy: (request, response) => envoy.handle(request, response),
  });
  // Built from the initialised application on the first GET /openapi.(json|yaml), then kept.
  app.get(OpenApiDocumentHolder).provide(() => buildOpenApiDocument(app));
  return app;
}
