import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';

const DESCRIPTION =
  'Portcullis is an API authentication decision service: gateways (nginx auth_request, Envoy ' +
  'ext_authz) and services ask it whether a request may go through, and as whom. The admin API ' +
  'under /v1/admin manages users, groups, keys, introspection clients and settings; it is for ' +
  'members of the admins group, authenticated with a Portcullis key, either as ' +
  '`Authorization: Bearer <key>` or as HTTP Basic with `username:key`. Errors are RFC 9457 ' +
  'problem details (`application/problem+json`).';

/**
 * The version in package.json. Read from the file beside `src/` (or `dist/`), which holds for the
 * TypeScript sources under Jest and for the build alike, whatever the working directory.
 */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * The OpenAPI 3.1 document of the application's HTTP API, built from the controllers' decorators.
 * Its key order is fixed (paths, schemas and security schemes sorted), so that the same code always
 * gives the same document, byte for byte once serialised.
 */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Portcullis')
    .setDescription(DESCRIPTION)
    .setVersion(packageVersion())
    .addSecurity('key', {
      type: 'http',
      scheme: 'bearer',
      description: 'A Portcullis key (`pcl_…`) as `Authorization: Bearer <key>`',
    })
    .addSecurity('basicKey', {
      type: 'http',
      scheme: 'basic',
      description: 'HTTP Basic with the username and a Portcullis key of that user as password',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  Object.assign(document.paths, PROXY_ENDPOINTS);
  const { openapi, info, servers, tags, paths, components, ...rest } = document;
  const { contact, ...infoWithoutContact } = info;
  return {
    openapi,
    info: isEmpty(contact) ? infoWithoutContact : info,
    ...(servers && servers.length > 0 && { servers }),
    ...(tags && tags.length > 0 && { tags: [...tags].sort((a, b) => compare(a.name, b.name)) }),
    ...rest,
    paths: sortKeys(
      Object.fromEntries(
        Object.entries(paths).map(([path, item]) => [path, withOas31Fields(item)]),
      ),
    ),
    ...(components && {
      components: sortKeys(
        Object.fromEntries(
          Object.entries(components).map(([section, entries]) => [
            section,
            sortKeys(entries as Record<string, unknown>),
          ]),
        ),
      ),
    }),
  };
}

const HEADERS = {
  'X-Auth-Reason': {
    description:
      'Why the request was refused (missing_credential, revoked_key, ip_denied, group_denied, ' +
      'read_only, ...)',
    schema: { type: 'string' },
  },
  'WWW-Authenticate': {
    description: 'On 401: the Bearer and Basic challenges (RFC 6750, RFC 7617)',
    schema: { type: 'string' },
  },
};
const IDENTITY = {
  'X-Auth-User': {
    description: 'The username (header names follow the identityHeaderStyle setting)',
    schema: { type: 'string' },
  },
  'X-Auth-Email': { description: 'The email, when the user has one', schema: { type: 'string' } },
  'X-Auth-Groups': { description: 'Group names, comma-separated', schema: { type: 'string' } },
  'X-Auth-Credential': { description: 'The public id of the key', schema: { type: 'string' } },
  'X-Auth-Bypass': {
    description: '1 when a bypass rule let the request through unchecked (then no identity)',
    schema: { type: 'string', enum: ['1'] },
  },
};
const ANY_METHOD = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/** The same operation under every HTTP method, with operation ids kept unique. */
function anyMethod(id: string, operation: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    ANY_METHOD.map((m) => [m, { ...operation, operationId: `${id}_${m}` }]),
  );
}

/** Refusals that carry a `{status, reason}` JSON body (Envoy HTTP, forward auth). */
function jsonRefusals(entries: [status: string, description: string][]): Record<string, unknown> {
  return Object.fromEntries(
    entries.map(([status, description]) => [
      status,
      {
        description,
        headers: HEADERS,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['status', 'reason'],
              properties: { status: { type: 'integer' }, reason: { type: 'string' } },
            },
          },
        },
      },
    ]),
  );
}

/**
 * The proxy endpoints are served in front of the framework (see DecisionServer), so no controller
 * describes them: their description lives here, beside the code that serves them.
 */
const PROXY_ENDPOINTS = {
  '/v1/authz/nginx': anyMethod('nginxAuthRequest', {
    tags: ['decisions'],
    summary: 'nginx auth_request: 200 allows (with identity headers), 401 or 403 refuses',
    description:
      'The original request comes from X-Original-URI and X-Original-Method (or, when no ' +
      'X-Original-URI is sent, X-Forwarded-Uri and X-Forwarded-Method), the host from ' +
      'X-Forwarded-Host or Host; the credential from Authorization. Headers that disagree, or ' +
      'one sent twice, refuse the request (403, X-Auth-Reason: ambiguous_request); a URI or ' +
      'method not sent refuses it too (incomplete_request). When the decision cannot be made ' +
      '(database down and the key not cached) the answer is 403 with X-Auth-Reason: ' +
      'unavailable, because nginx turns any status but 2xx, 401 and 403 into 500.',
    parameters: [
      {
        name: 'X-Original-URI',
        in: 'header',
        schema: { type: 'string' },
        example: '/orders/42?x=1',
      },
      { name: 'X-Original-Method', in: 'header', schema: { type: 'string' }, example: 'GET' },
      { name: 'X-Forwarded-Host', in: 'header', schema: { type: 'string' } },
    ],
    responses: {
      '200': { description: 'Allowed', headers: IDENTITY },
      '401': { description: 'No valid credential', headers: HEADERS },
      '403': { description: 'Refused by policy, or could not decide', headers: HEADERS },
    },
  }),
  '/v1/authz/forward': anyMethod('forwardAuth', {
    tags: ['decisions'],
    summary: 'Caddy forward_auth, Traefik ForwardAuth: 200 allows (with identity headers)',
    description:
      'The original request comes from X-Forwarded-Method, X-Forwarded-Uri and ' +
      'X-Forwarded-Host, which these proxies set themselves, and only from them; the ' +
      'credential from Authorization. An X-Original-URI or -Method that disagrees with them, or ' +
      'any of them sent twice, refuses the request (403, ambiguous_request). On 200 every ' +
      'identity header of the style is present, empty when it has no value, so that the proxy ' +
      "replaces the client's own copies. A refusal carries its own status, which these proxies " +
      'pass to the client.',
    parameters: [
      { name: 'X-Forwarded-Method', in: 'header', required: true, schema: { type: 'string' } },
      {
        name: 'X-Forwarded-Uri',
        in: 'header',
        required: true,
        schema: { type: 'string' },
        example: '/orders/42?x=1',
      },
      { name: 'X-Forwarded-Host', in: 'header', schema: { type: 'string' } },
    ],
    responses: {
      '200': { description: 'Allowed', headers: IDENTITY },
      ...jsonRefusals([
        ['401', 'No valid credential'],
        ['403', 'Refused by policy, or the request was ambiguous'],
        ['429', 'Over a rate limit or quota (Retry-After)'],
        ['503', 'Could not decide'],
      ]),
    },
  }),
  '/v1/authz/envoy/{path}': anyMethod('envoyExtAuthz', {
    tags: ['decisions'],
    summary: 'Envoy ext_authz (HTTP service): the original path and query follow the prefix',
    description:
      'Configure Envoy with `path_prefix: /v1/authz/envoy`. On 200, identity headers the ' +
      'identity lacks are named in x-envoy-auth-headers-to-remove. A 503 (could not decide) makes ' +
      'Envoy refuse the request unless failure_mode_allow is set.',
    parameters: [
      {
        name: 'path',
        in: 'path',
        required: true,
        description: 'The original path and query, after the prefix (may contain /)',
        schema: { type: 'string' },
      },
    ],
    responses: {
      '200': {
        description: 'Allowed',
        headers: {
          ...IDENTITY,
          'x-envoy-auth-headers-to-remove': {
            description: 'Identity headers to drop from the client request',
            schema: { type: 'string' },
          },
        },
      },
      ...jsonRefusals([
        ['401', 'No valid credential'],
        ['403', 'Refused by policy'],
        ['429', 'Over a rate limit or quota (Retry-After)'],
        ['503', 'Could not decide'],
      ]),
    },
  }),
};

/** The YAML form of the document, as checked in at `openapi.yaml` and served at `/openapi.yaml`. */
export function toYaml(document: OpenAPIObject): string {
  // No anchors and aliases for shared objects, so every part reads on its own; no folding of long
  // strings, so that a changed word changes one line.
  return stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** The fields of an OpenAPI 3.1 Path Item Object, besides `x-` extensions. */
const PATH_ITEM_FIELDS = new Set([
  '$ref',
  'summary',
  'description',
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
  'servers',
  'parameters',
]);

/**
 * For `@All()` routes @nestjs/swagger 12 also emits a `search` operation, which OpenAPI 3.1 has no
 * field for (it strips `query` before 3.2, not `search`): keep only what a 3.1 Path Item may hold.
 */
function withOas31Fields<T extends object>(item: T): T {
  return Object.fromEntries(
    Object.entries(item).filter(([field]) => PATH_ITEM_FIELDS.has(field) || field.startsWith('x-')),
  ) as T;
}

function isEmpty(value: object | undefined): boolean {
  return value === undefined || Object.keys(value).length === 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKeys<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => compare(a, b))) as T;
}
