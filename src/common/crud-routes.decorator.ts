import { applyDecorators, Delete, Get, HttpCode, Patch, Post, type Type } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  type ApiOperationOptions,
} from '@nestjs/swagger';
import { ApiProblems } from './api-problems.decorator.js';

/** An operation's summary, or its whole OpenAPI description. */
type Operation = string | ApiOperationOptions;

const describe = (operation: Operation) =>
  ApiOperation(typeof operation === 'string' ? { summary: operation } : operation);

/**
 * The admin API's record routes, each with its OpenAPI description and problem responses composed
 * once: every resource controller (groups, users, keys, providers, rules, ...) states only what
 * differs. `problems` are the error statuses the operation can answer (RFC 9457 bodies).
 */
export const CreateRoute = (operation: Operation, type: Type, ...problems: number[]) =>
  applyDecorators(
    Post(),
    describe(operation),
    ApiCreatedResponse({ type }),
    ApiProblems(...problems),
  );

export const ListRoute = (operation: Operation, type: Type) =>
  applyDecorators(Get(), describe(operation), ApiOkResponse({ type }), ApiProblems(400));

/** Routes for one record, found by the route parameter `param` (`:id`, or `:name` for rules). */
export function recordRoutes(param: string) {
  return {
    ReadRoute: (operation: Operation, type: Type) =>
      applyDecorators(
        Get(param),
        describe(operation),
        ApiOkResponse({ type }),
        ApiProblems(400, 404),
      ),

    UpdateRoute: (operation: Operation, type: Type, ...problems: number[]) =>
      applyDecorators(
        Patch(param),
        describe(operation),
        ApiOkResponse({ type }),
        ApiProblems(...problems),
      ),

    DeleteRoute: (operation: Operation, ...problems: number[]) =>
      applyDecorators(
        Delete(param),
        HttpCode(204),
        describe(operation),
        ApiNoContentResponse(),
        ApiProblems(400, 404, ...problems),
      ),
  };
}

export const { ReadRoute, UpdateRoute, DeleteRoute } = recordRoutes(':id');
