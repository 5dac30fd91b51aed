import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { createValidationPipe } from './common/validation.js';
import { NestLogger } from './logging/logger.js';
import { buildOpenApiDocument } from './openapi/openapi-document.js';
import { OpenApiDocumentHolder } from './openapi/openapi.controller.js';
import type { Runtime } from './runtime.js';

/** Largest request body accepted anywhere; admin documents are small. */
const BODY_LIMIT_BYTES = 256 * 1024;

/** Builds the NestJS application on Fastify around an opened runtime (not yet listening). */
export async function createApp(runtime: Runtime): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    // Request logging happens where it is cheap and useful (decisions), not per request here.
    logger: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
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
  await app.init();
  // Built from the initialised application on the first GET /openapi.(json|yaml), then kept.
  app.get(OpenApiDocumentHolder).provide(() => buildOpenApiDocument(app));
  return app;
}
