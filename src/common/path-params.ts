import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { PROBLEM_TYPES, ProblemException } from './problem.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A path parameter the route cannot use: 400 problem JSON whose `errors[].pointer` names the
 * parameter as the query filters' do (`#/id`, `#/userId`), so a client shows every invalid input
 * the same way, wherever in the request it was.
 */
export function invalidPathParameter(name: string, detail: string): ProblemException {
  return new ProblemException(400, `The request is invalid: ${name} ${detail}`, {
    type: PROBLEM_TYPES.validation,
    title: 'Invalid request',
    errors: [{ pointer: `#/${name}`, detail }],
  });
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A record's id in the path (`:id`, `:userId`): a UUID, or 400 pointing at the parameter. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (!isUuid(value)) throw invalidPathParameter(metadata.data ?? 'id', 'must be a UUID');
    return value;
  }
}
