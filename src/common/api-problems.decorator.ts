import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

export class InvalidFieldDto {
  @ApiProperty({ example: '#/username', description: 'JSON pointer to the invalid member' })
  pointer: string;
  @ApiProperty({ example: 'must be 1-64 characters' })
  detail: string;
}

/** RFC 9457 problem details, the body of every error response. */
export class ProblemDto {
  @ApiProperty({ example: 'about:blank' })
  type: string;
  @ApiProperty({ example: 'Bad Request' })
  title: string;
  @ApiProperty({ example: 400 })
  status: number;
  @ApiPropertyOptional()
  detail?: string;
  @ApiPropertyOptional({
    type: [InvalidFieldDto],
    description: 'The invalid fields, on validation errors',
  })
  errors?: InvalidFieldDto[];
}

/** Documents the problem responses an operation can give. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDto, InvalidFieldDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: STATUS_CODES[status],
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
