import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { runBody } from '../src/index.ts';
import { type OpenApiDocument, openApiPath } from '../src/server/openapi.ts';
import { json, startServer, type TestServer } from './support/server.ts';

const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'];

type Operation = {
  operationId: string;
  security: unknown[];
  parameters: { name: string; in: string; required: boolean }[];
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
  requestBody?: { content: Record<string, { schema: object }> };
};

describe('light-run OpenAPI document', () => {
  let server: TestServer;
  let doc: OpenApiDocument;

  before(async () => {
    server = await startServer();
    const res = await server.api('/openapi.json');
    assert.equal(res.status, 200);
    doc = await json<OpenApiDocument>(res);
  });

  after(async () => {
    await server?.[Symbol.asyncDispose]();
  });

  const operation = (path: string, method: string) => doc.paths[path]?.[method] as Operation;

  test('every route fastify registered is documented, and every documented operation is registered', () => {
    const registered = server.server.registeredRoutes
      .map((route) => {
        const [method = '', url = ''] = route.split(' ');
        return `${method} ${openApiPath(url)}`;
      })
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    assert.ok(registered.length >= 20, `only ${registered.length} routes registered`);
    assert.deepEqual(documented, registered);
    assert.ok(documented.includes('POST /run') && documented.includes('GET /runs/{id}/artifacts/{*}'));
  });

  test('the document is OpenAPI 3.1 with unique operation ids, responses and valid JSON Schemas', () => {
    assert.equal(doc.openapi, '3.1.0');
    const ajv = new Ajv2020({ strict: false, logger: false });
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      ajv.addSchema(schema as object, `#/components/schemas/${name}`);
    }
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const op = operation(path, method);
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(op.operationId && !ids.has(op.operationId), `${where}: operationId missing or repeated`);
        ids.add(op.operationId);
        assert.ok(Object.keys(op.responses).length > 0, `${where}: no responses`);
        const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
        const declared = op.parameters
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        assert.deepEqual(declared, pathParams, `${where}: path parameters`);
        const schemas = [
          ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
          ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema),
        ].filter((s): s is object => s !== undefined);
        for (const schema of schemas) assert.doesNotThrow(() => ajv.compile(schema), where);
      }
    }
  });

  test("POST /run's documented body is generated from runBody: a body it accepts passes, an unknown field fails", () => {
    const schema = operation('/run', 'post').requestBody?.content['application/json']?.schema;
    assert.ok(schema);
    const ajv = new Ajv2020({ strict: false, logger: false });
    const valid = ajv.compile(schema);
    const body = { image: 'alpine:3.20', entrypoint: 'echo hi', files: { 'a.txt': 'x' }, timeout: 1000 };
    assert.equal(runBody.safeParse(body).success, true);
    assert.equal(valid(body), true);
    assert.equal(valid({ ...body, imagee: 'x' }), false);
    assert.equal(valid({ entrypoint: 'echo hi' }), false);
    const list = operation('/runs', 'get');
    assert.deepEqual(list.parameters.map((p) => `${p.in}:${p.name}`).sort(), ['query:limit', 'query:status']);
  });

  test('routes behind the token carry bearer security, /health does not, and /openapi.json itself needs the token', async () => {
    assert.deepEqual(operation('/health', 'get').security, []);
    assert.deepEqual(operation('/run', 'post').security, [{ bearer: [] }]);
    assert.deepEqual(operation('/openapi.json', 'get').security, [{ bearer: [] }]);
    const anonymous = await fetch(`${server.url}/openapi.json`);
    assert.equal(anonymous.status, 401);
    assert.equal((await json<{ error: { code: string } }>(anonymous)).error.code, 'UNAUTHORIZED');
  });
});
