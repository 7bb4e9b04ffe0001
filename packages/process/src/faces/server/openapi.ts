import { z } from 'zod';
import type { RouteSpec } from './route-spec.ts';

/** An OpenAPI 3.1 document (only the parts this server writes). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  paths: Record<string, Record<string, unknown>>;
}

type Json = Record<string, unknown>;

function rewriteRefs(value: unknown, rename: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, rename));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof child === 'string' ? rename(child) : rewriteRefs(child, rename);
  }
  return out;
}

/**
 * JSON Schema of a zod schema. Recursive parts (`$defs`) move to `components.schemas`
 * under a name prefixed with `owner`, since `#/$defs/...` means nothing inside OpenAPI.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', owner: string, components: Json): Json {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  const { $schema: _dialect, $defs, ...rest } = generated;
  const rename = (ref: string) => ref.replace(/^#\/\$defs\//, `#/components/schemas/${owner}_`);
  for (const [name, def] of Object.entries(($defs as Json | undefined) ?? {})) {
    components[`${owner}_${name}`] = rewriteRefs(def, rename);
  }
  return rewriteRefs(rest, rename) as Json;
}

/** `/api/runs/:id` -> `/api/runs/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(route: RouteSpec, components: Json): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const doc = jsonSchema(schema, 'input', `${route.operationId}_${where}`, components) as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(doc.properties ?? {})) {
      const required = where === 'path' || (doc.required ?? []).includes(name);
      out.push({ name, in: where, required, schema: property });
    }
  }
  return out;
}

function operation(route: RouteSpec, secured: boolean, components: Json): Json {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const type = response.contentType ?? 'application/json';
    const owner = `${route.operationId}_${status}`;
    const content = response.schema
      ? { [type]: { schema: jsonSchema(response.schema, 'output', owner, components) } }
      : { [type]: {} };
    responses[status] = { description: response.description, content };
  }
  if (secured) responses['401'] = { description: 'missing or wrong API key' };
  const op: Record<string, unknown> = {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    parameters: parameters(route, components),
    responses,
    security: secured ? [{ bearer: [] }] : [],
  };
  const body =
    route.requestBody ?? (route.body ? { schema: route.body, description: 'the request body' } : undefined);
  if (body) {
    const schema = jsonSchema(body.schema, 'input', `${route.operationId}_body`, components);
    op.requestBody = {
      required: false,
      description: body.description,
      content: { 'application/json': { schema } },
    };
  }
  return op;
}

/**
 * The OpenAPI document of a list of routes. Request schemas come from the routes' zod
 * schemas (`z.toJSONSchema`), so the document describes exactly what is validated.
 */
export function buildOpenApi(routes: readonly RouteSpec[], version: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const schemas: Json = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    paths[path] ??= {};
    (paths[path] as Json)[route.method.toLowerCase()] = operation(route, route.public !== true, schemas);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'light serve',
      version,
      description:
        'REST API of light-process: workflows of a folder, their runs, live run events. ' +
        'With LP_API_KEY set, every non-public route needs Authorization: Bearer <key>.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas },
    paths,
  };
}
