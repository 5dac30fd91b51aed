import { redactCredentials } from './redact-credentials.js';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { Challenges } from '../adapters/challenge.js';
import { readCookie, SESSION_COOKIE } from '../console/session-cookie.js';
import type { Logger } from '../logging/logger.js';
import {
  PROBLEM_TYPES,
  ProblemException,
  problem,
  TooManyAttemptsException,
  type ProblemDocument,
} from './problem.js';

/** Fastify's own errors (body parsing, size limits) carry a status and a code. */
interface FastifyError {
  statusCode?: number;
  code?: string;
  message: string;
}

const PG_UNIQUE_VIOLATION = '23505';
const PG_FOREIGN_KEY_VIOLATION = '23503';

/**
 * Renders every error as RFC 9457 problem JSON. Bad input never becomes a 500: only a failure we
 * did not foresee does, and then with a generic detail (the log has the rest).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly challenge: string;
  private readonly bearerChallenge: string;

  constructor(
    private readonly logger: Logger,
    realm: string,
  ) {
    this.challenge = new Challenges(realm).any;
    this.bearerChallenge = `Bearer realm="${realm.replace(/["\\]/g, '')}"`;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const body = this.toProblem(exception, request);
    if (body.detail !== undefined) body.detail = redactCredentials(body.detail);
    for (const field of body.errors ?? []) field.detail = redactCredentials(field.detail);
    if (request.url.startsWith('/oauth2/')) {
      // OAuth endpoints answer errors in OAuth's own form (RFC 6749 §5.2), not as problems.
      const error =
        body.status === 401
          ? 'invalid_client'
          : body.status < 500
            ? 'invalid_request'
            : 'server_error';
      void reply
        .status(body.status < 500 ? 400 : body.status)
        .header('content-type', 'application/json')
        .header('cache-control', 'no-store')
        .send({ error, error_description: body.detail });
      return;
    }
    if (body.status === 401) {
      // The console's requests get no Basic challenge, which would make the browser ask for a
      // password in its own dialog when a session ends.
      reply.header(
        'www-authenticate',
        fromConsole(request) ? this.bearerChallenge : this.challenge,
      );
    }
    if (exception instanceof TooManyAttemptsException) {
      reply.header('retry-after', String(exception.retryAfterSeconds));
    }
    void reply.status(body.status).header('content-type', 'application/problem+json').send(body);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemDocument {
    if (exception instanceof ProblemException) {
      return problem(exception.getStatus(), exception.message, exception.extras);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return problem(status, detailOf(exception));
    }
    if (exception instanceof QueryFailedError) {
      const code = (exception.driverError as { code?: string } | undefined)?.code;
      if (code === PG_UNIQUE_VIOLATION) {
        return problem(409, 'A record with the same unique value already exists', {
          type: PROBLEM_TYPES.conflict,
        });
      }
      if (code === PG_FOREIGN_KEY_VIOLATION) {
        return problem(409, 'The record refers to, or is referred to by, another record', {
          type: PROBLEM_TYPES.conflict,
        });
      }
    }
    const fastifyError = exception as FastifyError;
    if (
      typeof fastifyError?.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      return problem(fastifyError.statusCode, fastifyError.message);
    }
    this.logger.error(
      {
        err: exception,
        method: request.method,
        url: request.routeOptions?.url,
        requestId: request.id,
      },
      'Unhandled error',
    );
    return problem(500, 'An unexpected error occurred; it has been logged');
  }
}

function fromConsole(request: FastifyRequest): boolean {
  return (
    request.url.startsWith('/console/') ||
    readCookie(request.headers.cookie, SESSION_COOKIE) !== undefined
  );
}

function detailOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
