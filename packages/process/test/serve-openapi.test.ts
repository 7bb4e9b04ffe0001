import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import { createLightServer, type LightServer } from '../src/faces/server/app.ts';
import type { OpenApiDocument } from '../src/faces/server/openapi.ts';

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

describe('light serve OpenAPI document', () => {
  const dir = tempDir('serve-openapi');
  let local: LocalLightRun;
  let server: LightServer;
  let doc: OpenApiDocument;

  before(async () => {
    local = await startLocalLightRun();
    server = await createLightServer({ dir: dir.path, runner: local.client });
    const base = await server.listen();
    const res = await fetch(`${base}/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as OpenApiDocument;
  });

  after(async () => {
    await server?.close();
    await local?.stop();
    dir[Symbol.dispose]();
    await assertNoLeaks();
  });

  test('every route fastify registered is in the document, and every documented operation is registered', () => {
    const registered = server.registeredRoutes.map((r) => r.replace(/:([A-Za-z0-9_]+)/g, '{$1}')).sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    assert.ok(registered.length >= 14, `only ${registered.length} routes registered`);
    assert.deepEqual(documented, registered);
  });

  test('the document is OpenAPI 3.1 with an operation id, responses and valid JSON Schemas everywhere', () => {
    assert.equal(doc.openapi, '3.1.0');
    const ajv = new Ajv2020({ strict: false, logger: false });
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      ajv.addSchema(schema as object, `#/components/schemas/${name}`);
    }
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, raw] of Object.entries(ops)) {
        const op = raw as {
          operationId: string;
          responses: Record<string, { content?: Record<string, { schema?: object }> }>;
          requestBody?: { content: Record<string, { schema: object }> };
        };
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(op.operationId && !ids.has(op.operationId), `${where}: operationId missing or repeated`);
        ids.add(op.operationId);
        assert.ok(Object.keys(op.responses).length > 0, `${where}: no responses`);
        const schemas = [
          ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
          ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema),
        ].filter((s): s is object => s !== undefined);
        for (const schema of schemas) {
          assert.doesNotThrow(() => ajv.compile(schema), where);
        }
      }
    }
  });

  test('request bodies are generated from the zod schemas: registering a workflow documents its fields', () => {
    const op = doc.paths['/api/workflows']?.post as {
      requestBody: {
        content: {
          'application/json': { schema: { properties: Record<string, unknown>; required: string[] } };
        };
      };
    };
    const schema = op.requestBody.content['application/json'].schema;
    assert.ok(schema.properties.nodes && schema.properties.links && schema.properties.inputs);
    assert.ok(schema.required.includes('id'));
    const runs = doc.paths['/api/runs']?.get as { parameters: { name: string; in: string }[] };
    assert.deepEqual(runs.parameters.map((p) => `${p.in}:${p.name}`).sort(), [
      'query:limit',
      'query:offset',
      'query:status',
      'query:trigger',
      'query:workflow',
    ]);
  });

  test('routes needing the key are marked with bearer security, /health is not', () => {
    const health = doc.paths['/health']?.get as { security: unknown[] };
    const list = doc.paths['/api/workflows']?.get as { security: unknown[] };
    assert.deepEqual(health.security, []);
    assert.deepEqual(list.security, [{ bearer: [] }]);
    // A webhook's signature is its credential: callers such as GitHub cannot send the key.
    const hook = doc.paths['/hooks/{workflowId}']?.post as { security: unknown[] };
    assert.deepEqual(hook.security, []);
  });
});
