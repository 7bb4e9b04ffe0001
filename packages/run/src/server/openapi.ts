import { z } from 'zod';
import type { RouteSpec } from './route-spec.ts';

/** An OpenAPI 3.1 document (the parts light-run writes). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  paths: Record<string, Record<string, unknown>>;
}

type Json = Record<string, unknown>;

/** Rewrites every `$ref` string of a JSON value with `rename`. */
function renameRefs(value: unknown, rename: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameRefs(item, rename));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === '$ref' && typeof child === 'string' ? rename(child) : renameRefs(child, rename),
    ]),
  );
}

/**
 * The JSON Schema of a zod schema, as a request (`input`) or an answer (`output`) sees it.
 * Shared parts (`$defs`) move to `components.schemas` under `<owner>_<name>`.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output', owner: string, components: Json): Json {
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  const rename = (ref: string) => ref.replace(/^#\/\$defs\//, `#/components/schemas/${owner}_`);
  for (const [name, def] of Object.entries(($defs ?? {}) as Json)) {
    components[`${owner}_${name}`] = renameRefs(def, rename);
  }
  return renameRefs(rest, rename) as Json;
}

/** `/runs/:id/artifacts/*` -> `/runs/{id}/artifacts/{*}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}');
}

function parametersOf(route: RouteSpec, components: Json): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const owner = `${route.operationId}_${where}`;
    const doc = toSchema(schema, 'input', owner, components) as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(doc.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === 'path' || (doc.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  return out;
}

function operationOf(route: RouteSpec, secured: boolean, components: Json): Json {
  const responses: Json = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const type = response.contentType ?? 'application/json';
    const schema = response.schema
      ? { schema: toSchema(response.schema, 'output', `${route.operationId}_${status}`, components) }
      : {};
    responses[status] = {
      description: response.description,
      ...(status === '204' ? {} : { content: { [type]: schema } }),
    };
  }
  if (secured) responses['401'] = { description: 'missing or wrong bearer token (UNAUTHORIZED)' };
  const body =
    route.requestBody ?? (route.body ? { schema: route.body, description: 'the request body' } : undefined);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    parameters: parametersOf(route, components),
    responses,
    security: secured ? [{ bearer: [] }] : [],
    ...(body
      ? {
          requestBody: {
            description: body.description,
            content: {
              'application/json': {
                schema: toSchema(body.schema, 'input', `${route.operationId}_body`, components),
              },
            },
          },
        }
      : {}),
  };
}

/**
 * The OpenAPI document of light-run's routes. Every schema comes from the zod schemas the
 * routes validate with (`z.toJSONSchema`), so the document says exactly what is checked.
 * `secured`: a token is configured, so every route not marked public needs it.
 */
export function buildOpenApi(
  routes: readonly RouteSpec[],
  version: string,
  secured: boolean,
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const schemas: Json = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    paths[path] ??= {};
    (paths[path] as Json)[route.method.toLowerCase()] = operationOf(
      route,
      secured && route.public !== true,
      schemas,
    );
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'light-run',
      version,
      description:
        'HTTP API of light-run: runs of one container each, their logs and artifacts, networks and leases. ' +
        'With a token set, every route but GET /health needs Authorization: Bearer <token>. ' +
        'Errors leave as {"error": {"code", "message", "details"?}}.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas },
    paths,
  };
}
