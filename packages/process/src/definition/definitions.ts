import { z } from 'zod';
import { filePathProblem, filesMapProblems, MAX_FILE_MODE } from './file-path.ts';

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
  z.object({
    content: z.string(),
    encoding: z.enum(['utf8', 'base64']),
    mode: z
      .number()
      .int()
      .min(0)
      .max(MAX_FILE_MODE, 'must be at most 0o777 (511): no setuid, setgid or sticky bit')
      .optional(),
  }),
]);
/** One file of a node: text, or `{content, encoding, mode?}`. */
export type NodeFile = z.infer<typeof nodeFile>;

/** A node's or service's files: relative path -> content; every path names a file in its folder. */
export const nodeFiles = z.record(z.string(), nodeFile).superRefine((files, ctx) => {
  for (const { path, message } of filesMapProblems(Object.keys(files)))
    ctx.addIssue({ code: 'custom', path: path === '' ? [] : [path], message, params: { echo: false } });
});

/**
 * One artifact glob of a node: relative to its workdir, no `..`, not absolute. `*`, `**`,
 * `?`, `[...]` and `{a,b}` are wildcards; a dotfile matches only when named.
 */
export const artifactGlob = z.string().superRefine((glob, ctx) => {
  const problem = filePathProblem(glob);
  if (problem) ctx.addIssue({ code: 'custom', message: `artifact ${JSON.stringify(glob)} ${problem}` });
});

/** `.node.json`: one step, one container. */
export const nodeDefinition = z
  .object({
    id: id.describe('Node id, unique in the workflow; must match its registration in workflow.json.'),
    name: z.string().optional().describe('Human-readable name.'),
    image: z
      .string()
      .min(1, 'must not be empty')
      .describe('Container image, e.g. localhost/light-node or node:22-alpine.'),
    entrypoint: z.string().optional().describe('Command run with `sh -c` in the workdir.'),
    setup: z.array(z.string()).optional().describe('Commands chained with && before the entrypoint.'),
    /** Milliseconds; 0 = no timeout; absent = the workflow's `defaults.timeout`, else none. */
    timeout: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Timeout in milliseconds; 0 = no timeout; absent = the workflow's defaults.timeout, else none.",
      ),
    networks: z
      .array(z.string())
      .optional()
      .describe(
        'Networks: the first is primary, the rest are connected after creation; [] = light-run default.',
      ),
    workdir: z
      .string()
      .startsWith('/')
      .optional()
      .describe('Working directory in the container. Default /app.'),
    /** Names of environment variables whose values come from light-process's environment. */
    env: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/))
      .optional()
      .describe("Names of variables whose values come from light-process's environment."),
    /** name -> template; `${service:<id>}` resolves to that service's hostname. */
    providesEnv: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
      .optional()
      .describe(`Variable name -> template; \${service:<id>} becomes that service's hostname.`),
    inputs: jsonSchema.optional().describe('JSON Schema of the input, checked before the node runs.'),
    outputs: jsonSchema.optional().describe('JSON Schema of the output, checked after the node runs.'),
    /** Globs of files the node produces, streamed to the nodes its links lead to (`in/<this id>/<path>`). */
    artifacts: z
      .array(artifactGlob)
      .max(64)
      .optional()
      .describe(
        'Files this node produces, as globs relative to its workdir (e.g. "report.pdf", "out/*.csv"). Each downstream node receives them at <its workdir>/in/<this node id>/<same relative path>. A glob that matches no regular file, or matches a symlink, fails the node.',
      ),
    /** Files shipped with the node (relative path -> content). Read from the node folder on load. */
    files: nodeFiles
      .optional()
      .describe('Files shipped with the node besides those of its folder (relative path -> content).'),
  })
  .strict();
/** A parsed `.node.json`. */
export type NodeDefinition = z.infer<typeof nodeDefinition>;

/** A link's condition: field -> expected value or operator object; top-level keys are ANDed. */
export const condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([z.object({ or: z.array(condition).min(1) }).strict(), z.record(z.string(), z.unknown())]),
);
/** A link's `when`: field (dotted path) -> value or operators, or `{or: [...]}`. */
export type Condition = { or: Condition[] } | Record<string, unknown>;

/** A link of the DAG: `from`'s output flows to `to` when `when` matches. */
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
/** A parsed link. */
export type LinkDefinition = z.infer<typeof linkDefinition>;

/** A run-scoped network, created as `lp-<runId>-<alias>`. */
export const networkDef = z
  .object({
    alias: id,
    internal: z.boolean().optional(),
  })
  .strict();
/** A parsed `networkDefs` entry. */
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
    files: nodeFiles.optional(),
    /** Directory (relative to the workflow folder) whose files the service gets. */
    dir: z.string().optional(),
  })
  .strict();
/** A parsed `services` entry. */
export type ServiceDefinition = z.infer<typeof serviceDefinition>;

/** Defaults applied to every node that does not set the field itself (`timeout` in milliseconds, 0 = none). */
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
    /** Workflow timeout in milliseconds; 0 or absent: no timeout. */
    timeout: z.number().int().min(0).optional(),
  })
  .strict();
/** A parsed `workflow.json`. */
export type WorkflowFile = z.infer<typeof workflowFile>;

/**
 * A node inside a whole-workflow value: its `.node.json` fields plus the folder it is saved
 * in (relative to the workflow folder), so that unpacking restores the original layout.
 */
export const workflowNode = nodeDefinition.extend({ dir: z.string().min(1).optional() });
/** A node of a whole-workflow value (definition + optional `dir`). */
export type WorkflowNode = z.infer<typeof workflowNode>;

/** A whole workflow in one value: the packed file format and the in-memory definition. */
export const workflowDefinition = workflowFile.omit({ nodes: true }).extend({
  format: z.literal('light-process/workflow@1').optional(),
  nodes: z.array(workflowNode),
});
/** A whole workflow after parsing (defaults applied): what the executor runs, and the packed file. */
export type WorkflowDefinition = z.infer<typeof workflowDefinition>;
/**
 * A whole workflow as a caller may write it: fields with defaults (`links`, `networkDefs`,
 * `services`, ...) may be left out. `executeWorkflow` takes this and parses it once.
 */
export type WorkflowDefinitionInput = z.input<typeof workflowDefinition>;
