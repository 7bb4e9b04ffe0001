import { z } from 'zod';

// The on-disk and in-memory shapes of a workflow. `workflow.json`, `.node.json` and the
// packed single-file form are all parsed through these schemas, so every error names
// the field that is wrong.

const id = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'ids are 1-64 letters, digits, `_`, `.` or `-`, starting alphanumeric',
  );

/** A JSON Schema document (validated with ajv when a workflow is checked). */
export const jsonSchema = z.record(z.string(), z.unknown());

/** Node file content: text, or base64 for binary (same shape as light-run's `files`). */
export const nodeFile = z.union([
  z.string(),
  z.object({ content: z.string(), encoding: z.enum(['utf8', 'base64']), mode: z.number().int().optional() }),
]);
export type NodeFile = z.infer<typeof nodeFile>;

/** `.node.json`: one step, one container. */
export const nodeDefinition = z
  .object({
    id,
    name: z.string().optional(),
    image: z.string().min(1, 'image is required'),
    entrypoint: z.string().optional(),
    setup: z.array(z.string()).optional(),
    /** Milliseconds; 0 = light-runner default. */
    timeout: z.number().int().min(0).optional(),
    networks: z.array(z.string()).optional(),
    workdir: z.string().startsWith('/').optional(),
    /** Names of environment variables whose values come from light-process's environment. */
    env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
    /** name -> template; `${service:<id>}` resolves to that service's hostname. */
    providesEnv: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
    inputs: jsonSchema.optional(),
    outputs: jsonSchema.optional(),
    /** Files shipped with the node (relative path -> content). Read from the node folder on load. */
    files: z.record(z.string(), nodeFile).optional(),
  })
  .strict();
export type NodeDefinition = z.infer<typeof nodeDefinition>;

/** A link's condition: field -> expected value or operator object; top-level keys are ANDed. */
export const condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([z.object({ or: z.array(condition).min(1) }).strict(), z.record(z.string(), z.unknown())]),
);
export type Condition = { or: Condition[] } | Record<string, unknown>;

export const linkDefinition = z
  .object({
    id: id.optional(),
    from: id,
    to: id,
    when: condition.optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    /** Required on a back-link that closes a cycle. */
    maxIterations: z.number().int().min(1).optional(),
  })
  .strict();
export type LinkDefinition = z.infer<typeof linkDefinition>;

/** A run-scoped network, created as `lp-<runId>-<alias>`. */
export const networkDef = z
  .object({
    alias: id,
    internal: z.boolean().optional(),
  })
  .strict();
export type NetworkDef = z.infer<typeof networkDef>;

/** A sidecar started detached before the DAG and stopped after it. */
export const serviceDefinition = z
  .object({
    id,
    image: z.string().min(1),
    entrypoint: z.string().optional(),
    setup: z.array(z.string()).optional(),
    networks: z.array(z.string()).optional(),
    workdir: z.string().startsWith('/').optional(),
    env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
    files: z.record(z.string(), nodeFile).optional(),
    /** Directory (relative to the workflow folder) whose files the service gets. */
    dir: z.string().optional(),
  })
  .strict();
export type ServiceDefinition = z.infer<typeof serviceDefinition>;

/** Defaults applied to every node that does not set the field itself. */
export const workflowDefaults = z
  .object({ networks: z.array(z.string()).optional(), timeout: z.number().int().min(0).optional() })
  .strict();

/** `workflow.json` of a workflow folder: nodes are references to node folders. */
export const workflowFile = z
  .object({
    id,
    name: z.string().optional(),
    description: z.string().optional(),
    nodes: z.array(z.object({ id, name: z.string().optional(), dir: z.string().min(1) }).strict()),
    links: z.array(linkDefinition).default([]),
    networkDefs: z.array(networkDef).default([]),
    services: z.array(serviceDefinition).default([]),
    defaults: workflowDefaults.optional(),
    inputs: jsonSchema.optional(),
    /** Workflow timeout in milliseconds. */
    timeout: z.number().int().min(0).optional(),
  })
  .strict();
export type WorkflowFile = z.infer<typeof workflowFile>;

/** A whole workflow in one value: the packed file format and the in-memory definition. */
export const workflowDefinition = workflowFile.omit({ nodes: true }).extend({
  format: z.literal('light-process/workflow@1').optional(),
  nodes: z.array(nodeDefinition),
});
export type WorkflowDefinition = z.infer<typeof workflowDefinition>;
