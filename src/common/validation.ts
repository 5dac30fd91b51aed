import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { PROBLEM_TYPES, ProblemException, type InvalidField } from './problem.js';

/**
 * The global validation pipe: unknown fields are refused rather than silently dropped, and every
 * invalid field is listed with a JSON pointer to it.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const fields = errors.flatMap((error) => flatten(error, ''));
      return new ProblemException(
        400,
        `The request is invalid: ${fields.map((f) => `${f.pointer.slice(2) || 'body'} ${f.detail}`).join('; ')}`,
        { type: PROBLEM_TYPES.validation, title: 'Invalid request', errors: fields },
      );
    },
  });
}

function flatten(error: ValidationError, parent: string): InvalidField[] {
  const pointer = `${parent}/${escapePointer(error.property)}`;
  const own = Object.values(error.constraints ?? {}).map((detail) => ({
    pointer: `#${pointer}`,
    detail: humanise(detail, error.property),
  }));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(child, pointer))];
}

/** class-validator messages start with the property name; the pointer already says it. */
function humanise(message: string, property: string): string {
  if (message.startsWith(`property ${property} should not exist`)) return 'is not a known field';
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
