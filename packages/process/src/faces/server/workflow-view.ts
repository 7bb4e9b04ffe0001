import type { z } from 'zod';
import type { WorkflowDefinition } from '../../definition/definitions.ts';
import type { workflowDetail, workflowSummary } from './schemas.ts';
import type { CatalogEntry } from './workflow-catalog.ts';

type JsonSchema = Record<string, unknown>;

/** A workflow as `GET /api/workflows` lists it. */
export function summarize(entry: CatalogEntry): z.infer<typeof workflowSummary> {
  const def = entry.definition;
  return {
    id: def.id,
    name: def.name ?? null,
    description: def.description ?? null,
    nodeCount: def.nodes.length,
    persisted: entry.path !== null,
  };
}

/** A workflow's graph and input schema, without node code. */
export function describeWorkflow(entry: CatalogEntry): z.infer<typeof workflowDetail> {
  const def = entry.definition;
  return {
    ...summarize(entry),
    nodes: def.nodes.map((n) => ({ id: n.id, name: n.name ?? null, image: n.image })),
    links: def.links.map((l) => ({
      from: l.from,
      to: l.to,
      ...(l.when !== undefined ? { when: l.when } : {}),
      ...(l.maxIterations !== undefined ? { maxIterations: l.maxIterations } : {}),
    })),
    inputSchema: inputSchemaOf(def),
    ...(def.triggers ? { triggers: def.triggers } : {}),
    ...(def.concurrency ? { concurrency: def.concurrency } : {}),
  };
}

/** Nodes no forward link leads to (back-links, which carry `maxIterations`, do not count). */
export function entryNodes(def: WorkflowDefinition): WorkflowDefinition['nodes'] {
  const targets = new Set(def.links.filter((l) => l.maxIterations === undefined).map((l) => l.to));
  return def.nodes.filter((n) => !targets.has(n.id));
}

/**
 * The JSON Schema of a run's input: the workflow's `inputs`, else the entry nodes' `inputs`
 * (one schema as is; several object schemas merged property by property).
 */
export function inputSchemaOf(def: WorkflowDefinition): JsonSchema | null {
  if (def.inputs) return def.inputs;
  const schemas = entryNodes(def).flatMap((n) => (n.inputs ? [n.inputs] : []));
  if (schemas.length <= 1) return schemas[0] ?? null;
  const properties: Record<string, unknown> = {};
  const required = new Set<string>();
  for (const schema of schemas) {
    Object.assign(properties, (schema.properties as Record<string, unknown> | undefined) ?? {});
    for (const name of (schema.required as string[] | undefined) ?? []) required.add(name);
  }
  return { type: 'object', properties, required: [...required] };
}
