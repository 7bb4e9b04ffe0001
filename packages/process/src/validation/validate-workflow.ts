import { validateCondition } from '../definition/conditions/validate-condition.ts';
import { type WorkflowDefinition, workflowDefinition } from '../definition/definitions.ts';
import type { Problem } from '../definition/problem.ts';
import { compileJsonSchema, createAjv } from '../definition/schema/compile.ts';
import { cronProblem, timezoneProblem } from '../definition/triggers/cron.ts';
import { describeIssues } from '../definition/zod-issues.ts';
import { closesCycle, findUnboundedCycles } from './cycles.ts';

/** Where problems are attributed when the workflow came from disk. */
export interface ValidateOptions {
  /** File holding the workflow-level fields (workflow.json or the packed file). */
  file?: string;
  /** Node id -> file holding that node (its `.node.json`). */
  nodeFiles?: Record<string, string>;
}

const SERVICE_TEMPLATE = /\$\{service:([^}]*)\}/g;

/**
 * Every problem of a workflow definition, without running anything: schema errors,
 * duplicate ids, links to unknown nodes, unbounded cycles, bad conditions, invalid JSON
 * Schemas, duplicate network aliases and service ids, and unknown `${service:x}` names.
 * An empty array means the workflow is valid.
 */
export function validateWorkflow(definition: unknown, options: ValidateOptions = {}): Problem[] {
  return inspectWorkflow(definition, options).problems;
}

/**
 * The problems of a workflow and, when the shape parses, the parsed definition (defaults
 * applied): one parse serves both the check and the run.
 */
export function inspectWorkflow(
  definition: unknown,
  options: ValidateOptions = {},
): { problems: Problem[]; parsed?: WorkflowDefinition } {
  const parsed = workflowDefinition.safeParse(definition);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error, definition).map((issue) => ({
      code: 'INVALID_FIELD' as const,
      path: issue.field,
      message: issue.field === '' ? issue.message : `${issue.field}: ${issue.message}`,
      ...(options.file ? { file: options.file } : {}),
    }));
    return { problems };
  }
  const def = parsed.data;
  const problems = [
    ...checkNodes(def),
    ...checkLinks(def),
    ...checkEnvironment(def),
    ...checkTriggers(def),
  ].map((p) => {
    const file = (p.nodeId && options.nodeFiles?.[p.nodeId]) || options.file;
    return file && !p.file ? { ...p, file } : p;
  });
  return { problems, parsed: def };
}

function checkNodes(def: WorkflowDefinition): Problem[] {
  const problems: Problem[] = [];
  const firstIndex = new Map<string, number>();
  const ajv = createAjv();
  def.nodes.forEach((node, i) => {
    const first = firstIndex.get(node.id);
    if (first === undefined) firstIndex.set(node.id, i);
    else {
      problems.push({
        code: 'DUPLICATE_NODE_ID',
        path: `nodes[${i}].id`,
        nodeId: node.id,
        message: `nodes[${i}]: duplicate node id '${node.id}' (already used by nodes[${first}])`,
      });
    }
    for (const key of ['inputs', 'outputs'] as const) {
      const schema = node[key];
      if (!schema) continue;
      const compiled = compileJsonSchema(schema, ajv);
      if (!compiled.ok) {
        problems.push({
          code: 'INVALID_JSON_SCHEMA',
          path: `nodes[${i}].${key}`,
          nodeId: node.id,
          message: `node '${node.id}': ${key} is not a valid JSON Schema: ${compiled.error}`,
        });
      }
    }
  });
  return problems;
}

function checkLinks(def: WorkflowDefinition): Problem[] {
  const problems: Problem[] = [];
  const ids = new Set(def.nodes.map((n) => n.id));
  def.links.forEach((link, i) => {
    const name = `links[${i}] (${link.from} -> ${link.to})`;
    if (!ids.has(link.from)) {
      problems.push({
        code: 'UNKNOWN_LINK_SOURCE',
        path: `links[${i}].from`,
        message: `${name}: unknown source node '${link.from}'`,
      });
    }
    if (!ids.has(link.to)) {
      problems.push({
        code: 'UNKNOWN_LINK_TARGET',
        path: `links[${i}].to`,
        message: `${name}: unknown target node '${link.to}'`,
      });
    }
    if (link.when !== undefined) problems.push(...validateCondition(link.when, { index: i, ...link }));
    if (link.maxIterations !== undefined && !closesCycle(link, def.links)) {
      problems.push({
        code: 'MAX_ITERATIONS_WITHOUT_CYCLE',
        path: `links[${i}].maxIterations`,
        message: `${name}: maxIterations is set but the link closes no cycle ('${link.to}' never leads back to '${link.from}')`,
      });
    }
  });
  for (const cycle of findUnboundedCycles([...ids], def.links)) {
    const closing = def.links[cycle.closingLink];
    const path = [...cycle.nodes, cycle.nodes[0]].join(' -> ');
    problems.push({
      code: 'CYCLE_WITHOUT_MAX_ITERATIONS',
      path: `links[${cycle.closingLink}].maxIterations`,
      message: `cycle ${path} has no maxIterations: set it on the back-link, e.g. links[${cycle.closingLink}] (${closing?.from} -> ${closing?.to})`,
    });
  }
  return problems;
}

function checkEnvironment(def: WorkflowDefinition): Problem[] {
  const problems: Problem[] = [];
  const aliases = new Set<string>();
  def.networkDefs.forEach((net, i) => {
    if (aliases.has(net.alias)) {
      problems.push({
        code: 'DUPLICATE_NETWORK_ALIAS',
        path: `networkDefs[${i}].alias`,
        message: `networkDefs[${i}]: duplicate network alias '${net.alias}'`,
      });
    }
    aliases.add(net.alias);
  });
  const services = new Set<string>();
  def.services.forEach((svc, i) => {
    if (services.has(svc.id)) {
      problems.push({
        code: 'DUPLICATE_SERVICE_ID',
        path: `services[${i}].id`,
        message: `services[${i}]: duplicate service id '${svc.id}'`,
      });
    }
    services.add(svc.id);
  });
  def.nodes.forEach((node, i) => {
    for (const [name, template] of Object.entries(node.providesEnv ?? {})) {
      for (const match of template.matchAll(SERVICE_TEMPLATE)) {
        const id = match[1] ?? '';
        if (services.has(id)) continue;
        problems.push({
          code: 'UNKNOWN_SERVICE',
          path: `nodes[${i}].providesEnv.${name}`,
          nodeId: node.id,
          message: `node '${node.id}': providesEnv.${name} names unknown service '${id}' in ${match[0]}`,
        });
      }
    }
  });
  return problems;
}

function checkTriggers(def: WorkflowDefinition): Problem[] {
  const problems: Problem[] = [];
  let webhook: number | undefined;
  (def.triggers ?? []).forEach((trigger, i) => {
    if (trigger.webhook) {
      if (webhook !== undefined) {
        problems.push({
          code: 'DUPLICATE_WEBHOOK',
          path: `triggers[${i}].webhook`,
          message: `triggers[${i}]: a second webhook (triggers[${webhook}] already is one; a workflow has one /hooks/<id> route)`,
        });
      }
      webhook ??= i;
      const secret = trigger.webhook.secretEnv;
      def.nodes.forEach((node, n) => {
        if (!node.env?.includes(secret)) return;
        problems.push({
          code: 'INVALID_FIELD',
          path: `nodes[${n}].env`,
          nodeId: node.id,
          message: `node '${node.id}': env names ${secret}, the secret of the webhook triggers[${i}]; it never reaches a node`,
        });
      });
    }
    const schedule = trigger.schedule;
    if (!schedule) return;
    const cron = cronProblem(schedule.cron);
    if (cron) {
      problems.push({
        code: 'INVALID_CRON',
        path: `triggers[${i}].schedule.cron`,
        message: `triggers[${i}].schedule.cron: ${cron}`,
      });
    }
    const zone = schedule.timezone === undefined ? undefined : timezoneProblem(schedule.timezone);
    if (zone) {
      problems.push({
        code: 'INVALID_TIMEZONE',
        path: `triggers[${i}].schedule.timezone`,
        message: `triggers[${i}].schedule.timezone: ${zone}`,
      });
    }
  });
  return problems;
}
