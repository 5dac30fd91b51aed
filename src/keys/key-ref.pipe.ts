import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { invalidPathParameter, isUuid } from '../common/path-params.js';
import { KEY_ID_LENGTH } from './key-format.js';

const KEY_ID = new RegExp(`^[0-9A-Za-z]{${KEY_ID_LENGTH}}$`);

/** Whether a key reference is the public key id (else it is the record's UUID). */
export function isPublicKeyId(ref: string): boolean {
  return KEY_ID.test(ref);
}

/**
 * A key in the path: its record's id (UUID), or its public key id, the 8 characters after `pcl_`
 * that X-Auth-Credential, the logs, the lists and the CLI show. Anything else is 400, pointing at
 * the parameter.
 */
@Injectable()
export class KeyRefPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (isUuid(value) || isPublicKeyId(value)) return value;
    throw invalidPathParameter(
      metadata.data ?? 'id',
      `must be a key's id (a UUID) or its key id (${KEY_ID_LENGTH} letters and digits)`,
    );
  }
}

/** The OpenAPI description of a key's `{id}`. */
export const ApiKeyRefParam = () =>
  ApiParam({
    name: 'id',
    type: String,
    description:
      "The key's id (a UUID), or its public key id: the 8 characters after `pcl_`, as " +
      'X-Auth-Credential, the logs, the lists and the CLI show it',
    example: 'Xk3f9QaZ',
  });
