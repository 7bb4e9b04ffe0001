import { z } from 'zod';
import { filePathProblem, filesMapProblems, MAX_FILE_MODE } from './file-path.ts';
import { concurrencyDefinition, triggerDefinition } from './triggers/triggers.ts';
import { parseDurationMs } from './units.ts';

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

/** Most elements of one map node that may run at once. */
export const MAX_MAP_CONCURRENCY = 256;

/**
 * `map` of a node: run it once per element of the array at `over` in its merged input.
 * Each element's container gets `{ ...input without that array, item, index }`; the node's
 * output is `{ results: [...] }` in input order (plus `failed` with `failFast: false`).
 */
export const mapDefinition = z
  .object({
    over: z
      .string()
      .regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted path such as `items` or `batch.files`')
      .describe('Dotted path of the array in the merged input to run the node over, e.g. `items`.'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(MAX_MAP_CONCURRENCY)
      .optional()
      .describe(`Most elements running at once, 1-${MAX_MAP_CONCURRENCY}. Default 4.`),
    failFast: z
      .boolean()
      .optional()
      .describe(
        'true (default): the first failed element fails the node and cancels the rest. false: every ' +
          'element runs; a failed one becomes { "error": {...} } in results and `failed` counts them.',
      ),
  })
  .strict();
/** A parsed `map` of a node. */
export type MapDefinition = z.infer<typeof mapDefinition>;
/**
 * The failures a retry policy may retry: `failed` (non-zero exit), `timeout` (the node's
 * timeout, per attempt), `lost` (the container or light-run went away mid-run),
 * `out_of_memory` (killed by the memory cap), `output_invalid` (the output broke the node's
 * `outputs` schema; only retried when listed).
 */
export const RETRY_ON = ['failed', 'timeout', 'lost', 'out_of_memory', 'output_invalid'] as const;
/** One failure kind a retry policy names in `on`. */
export type RetryOn = (typeof RETRY_ON)[number];

/** How a failed node is run again: each attempt is a new container with the same input. */
export const retryPolicy = z
  .object({
    attempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .describe('Attempts in all, the first included (1 = no retry). At most 100.'),
    backoff: z
      .object({
        initialMs: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('Wait before the 2nd attempt, in milliseconds. Default 1000.'),
        factor: z
          .number()
          .min(1)
          .max(100)
          .optional()
          .describe('Each further wait is the previous one times this. Default 2.'),
        maxMs: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('Cap of one wait, in milliseconds. Default 60000.'),
        jitter: z
          .boolean()
          .optional()
          .describe('Wait a random time between half the computed wait and all of it. Default true.'),
      })
      .strict()
      .optional()
      .describe('Waits between attempts: initialMs * factor^(n-1), at most maxMs.'),
    on: z
      .array(z.enum(RETRY_ON))
      .min(1)
      .optional()
      .describe(
        'Failures that are retried. Default ["failed", "timeout", "lost", "out_of_memory"]; add "output_invalid" to retry an output that breaks the outputs schema.',
      ),
  })
  .strict();
/** A parsed `retry` policy. */
export type NodeRetryPolicy = z.infer<typeof retryPolicy>;

/** `cache.ttl`: a duration in the CLI's grammar (`90s`, `30m`, `24h`, `7d`) or milliseconds. */
const ttl = z.union([
  z.number().int().min(1),
  z.string().refine((text) => (parseDurationMs(text) ?? 0) > 0, {
    message: 'expected a duration such as 30m, 24h or 7d',
  }),
]);

/** Opt-in memoization of a node (see the README, "Memoized nodes"). */
export const cachePolicy = z
  .object({
    ttl: ttl.describe(
      'How long a success is reused: a duration such as "30m", "24h", "7d", or milliseconds.',
    ),
  })
  .strict();
/** A parsed `cache` policy. */
export type CachePolicy = z.infer<typeof cachePolicy>;

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
    map: mapDefinition
      .optional()
      .describe(
        'Fan-out: run the node once per element of an array in its input, each in its own container.',
      ),
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
    retry: retryPolicy
      .optional()
      .describe("Retry policy; absent: the workflow's defaults.retry, else one attempt."),
    cache: cachePolicy
      .optional()
      .describe(
        'Reuse the recorded output of an identical earlier success (same image ID, files, setup, entrypoint, workdir, input, env values) within ttl.',
      ),
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

/** Defaults applied to every node that does not set the field itself (`timeout` in milliseconds, 0 = none; `retry` whole, not merged). */
export const workflowDefaults = z
  .object({
    networks: z.array(z.string()).optional(),
    timeout: z.number().int().min(0).optional(),
    retry: retryPolicy.optional(),
  })
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
    /** What starts the workflow in `light serve` besides the API: schedules and webhooks. */
    triggers: z.array(triggerDefinition).optional(),
    /** How many of its runs `light serve` runs at once, and what happens to the others. */
    concurrency: concurrencyDefinition.optional(),
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
