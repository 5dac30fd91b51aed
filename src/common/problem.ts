import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** One invalid field of a request, as in RFC 9457 §3's example: a JSON pointer and what is wrong. */
export interface InvalidField {
  pointer: string;
  detail: string;
}

/** An RFC 9457 problem details document. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: InvalidField[];
  [extension: string]: unknown;
}

/** Problem type URIs; plain HTTP errors use `about:blank` (RFC 9457 §4.2.1). */
export const PROBLEM_TYPES = {
  validation: 'urn:portcullis:problem:validation-error',
  keyLifetime: 'urn:portcullis:problem:key-lifetime-exceeded',
  keyLimit: 'urn:portcullis:problem:too-many-active-keys',
  selfServiceOff: 'urn:portcullis:problem:self-service-keys-disabled',
  conflict: 'urn:portcullis:problem:conflict',
  lastAdmin: 'urn:portcullis:problem:last-admin',
  providerFlow: 'urn:portcullis:problem:provider-test-flow',
  rateLimited: 'urn:portcullis:problem:rate-limited',
} as const;

/** An HTTP error that renders as problem JSON with a specific type and extension members. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    detail: string,
    readonly extras: { type?: string; title?: string; errors?: InvalidField[] } = {},
  ) {
    super(detail, status);
  }
}

/** 429: too many failed attempts; Retry-After says when to try again. */
export class TooManyAttemptsException extends ProblemException {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'Too many failed authentication attempts; try again later', {
      type: PROBLEM_TYPES.rateLimited,
    });
  }
}

export function problem(status: number, detail?: string, extras: Partial<ProblemDocument> = {}) {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail === undefined ? {} : { detail }),
    ...extras,
  } satisfies ProblemDocument;
}
