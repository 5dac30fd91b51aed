import { NestFactory } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DecisionServer } from './adapters/decision-server.js';
import { EnvoyAuthzHandler } from './adapters/envoy-http/envoy-authz.handler.js';
import { ForwardAuthzHandler } from './adapters/forward/forward-authz.handler.js';
import { authorizationHeaders } from './adapters/http-request.js';
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
    // API answers carry keys, client secrets, sessions and personal data: no cache keeps them.
    if (NEVER_STORED.test(request.url)) void reply.header('cache-control', 'no-store');
    // Node keeps the first of two Authorization headers, so "admin key, then junk" would pass and
    // "junk, then admin key" would not. Like the decision endpoints, refuse the pair outright.
    if (authorizationHeaders(request.raw).length > 1) {
      const error = new Error('Send one Authorization header, not several');
      return done(Object.assign(error, { statusCode: 400 }));
    }
    done();
  });
  // A JSON body of `null` would reach the validation pipe as an empty object (Nest treats a
  // missing body so) and pass for DTOs without required fields: refuse it as not an object.
  // Fields named like object internals are dropped unseen by class-transformer, so the check for
  // unknown fields misses them: refuse those too.
  const fastify = adapter.getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request, body, done: (error: Error | null, value?: unknown) => void) =>
      parseJson(request, body as string, (error, value) => {
        if (error) return done(error);
        if (value === null) {
          return done(
            Object.assign(new Error('The body must be a JSON object'), { statusCode: 400 }),
          );
        }
        const reserved = reservedKeyIn(value);
        if (reserved !== undefined) {
          const error = new Error(`"${reserved}" is not a field name`);
          return done(Object.assign(error, { statusCode: 400 }));
        }
        done(null, value);
      }),
  );
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
  const forward = app.get(ForwardAuthzHandler);
  decisionServer!.attach({
    nginx: (request, response, route) => nginx.handle(request, response, route),
    forward: (request, response, route) => forward.handle(request, response, route),
    envoy: (request, response, route) => envoy.handle(request, response, route),
  });
  // Built from the initialised application on the first GET /openapi.(json|yaml), then kept.
  app.get(OpenApiDocumentHolder).provide(() => buildOpenApiDocument(app));
  return app;
}

/** The admin and self-service API, introspection and the console's session: never cached. */
const NEVER_STORED = /^\/(v1|oauth2|console\/session)(\/|\?|$)/;

/**
 * Names of object internals: `__proto__`, `prototype`, and everything on Object.prototype
 * (`constructor`, `toString`, `valueOf`, `hasOwnProperty`, ...). class-validator's whitelist looks
 * field names up in a plain object, so these would pass as known fields; no DTO has one.
 */
const RESERVED_KEYS = new Set(['prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

/** The first key, at any depth, that names an object internal, if any. */
function reservedKeyIn(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (RESERVED_KEYS.has(key)) return key;
    const nested = reservedKeyIn(child);
    if (nested !== undefined) return nested;
  }
  return undefined;
}
