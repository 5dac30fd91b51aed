import type { OpenAPIObject } from '@nestjs/swagger';
import { compileErrors, validate } from '@readme/openapi-parser';
import { readFileSync } from 'node:fs';
import { buildOpenApiDocument, toYaml } from '../../src/openapi/openapi-document.js';
import { call } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const CHECKED_IN = new URL('../../openapi.yaml', import.meta.url);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of the document, with its path and method. */
function operations(document: OpenAPIObject) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({
        path,
        method,
        security: (operation as { security?: Record<string, string[]>[] }).security,
      })),
  );
}

describe('OpenAPI document', () => {
  let service: TestApp;
  let document: OpenAPIObject;

  beforeAll(async () => {
    service = await startTestApp();
    document = buildOpenApiDocument(service.app);
  });
  afterAll(() => service.close());

  it('is the checked-in openapi.yaml', () => {
    const generated = toYaml(document);
    let checkedIn: string;
    try {
      checkedIn = readFileSync(CHECKED_IN, 'utf8');
    } catch (error) {
      throw new Error(`openapi.yaml is stale: run npm run openapi\n\n${(error as Error).message}`);
    }
    try {
      expect(generated).toBe(checkedIn);
    } catch (error) {
      throw new Error(`openapi.yaml is stale: run npm run openapi\n\n${(error as Error).message}`);
    }
    // The same code gives the same document (no timestamps, no build-order accidents).
    expect(toYaml(buildOpenApiDocument(service.app))).toBe(generated);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    // The validator dereferences what it is given: hand it a copy.
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.specification).toBe('OpenAPI');
    expect(result.warnings).toEqual([]);
  });

  it('declares the key and basicKey security on every admin operation', () => {
    const schemes = document.components?.securitySchemes ?? {};
    expect(schemes.key).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.basicKey).toMatchObject({ type: 'http', scheme: 'basic' });

    const admin = operations(document).filter(({ path }) => path.startsWith('/v1/admin/'));
    expect(admin.length).toBeGreaterThan(0);
    const missing = admin
      .filter(
        ({ security }) =>
          !security?.some((requirement) => 'key' in requirement) ||
          !security?.some((requirement) => 'basicKey' in requirement),
      )
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);

    // Every scheme an operation names is defined.
    const named = new Set(
      operations(document).flatMap(({ security }) =>
        (security ?? []).flatMap((requirement) => Object.keys(requirement)),
      ),
    );
    expect([...named].filter((name) => !(name in schemes))).toEqual([]);
  });

  it('is served at /openapi.json and /openapi.yaml, and leaves itself out', async () => {
    const json = await call(service.url, 'GET', '/openapi.json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(json.body).toEqual(JSON.parse(JSON.stringify(document)));

    const yaml = await call(service.url, 'GET', '/openapi.yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml\b/);
    expect(yaml.text).toBe(toYaml(document));

    expect(Object.keys(document.paths).filter((path) => path.startsWith('/openapi'))).toEqual([]);
  });
});
