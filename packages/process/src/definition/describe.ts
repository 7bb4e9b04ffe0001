import { conditionLabel } from './conditions/condition-label.ts';
import type { LinkDefinition, WorkflowDefinition } from './definitions.ts';
import { triggerLines } from './triggers/trigger-view.ts';

/** Ids of the nodes that start with the workflow input (no incoming forward link). */
export function entryNodes(def: Pick<WorkflowDefinition, 'nodes' | 'links'>): string[] {
  const targets = new Set(def.links.filter((l) => l.maxIterations === undefined).map((l) => l.to));
  return def.nodes.filter((n) => !targets.has(n.id)).map((n) => n.id);
}

function linkText(link: LinkDefinition): string {
  const extras: string[] = [];
  const label = conditionLabel(link.when);
  if (label) extras.push(`when ${label}`);
  if (link.data) extras.push(`data ${JSON.stringify(link.data)}`);
  if (link.maxIterations !== undefined) extras.push(`back-link, at most ${link.maxIterations}x`);
  return `${link.from} -> ${link.to}${extras.length ? `  (${extras.join('; ')})` : ''}`;
}

function schemaFields(schema: Record<string, unknown> | undefined): string {
  const props = schema?.properties;
  if (!props || typeof props !== 'object') return '';
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.keys(props)
    .map((k) => (required.has(k) ? k : `${k}?`))
    .join(', ');
}

/**
 * A plain-text summary of a workflow: nodes, links with their conditions, networks, services,
 * and its triggers with their next fire times after `now`.
 */
export function describeWorkflow(def: WorkflowDefinition, now: Date = new Date()): string {
  const lines: string[] = [];
  lines.push(`${def.name ?? def.id} (id: ${def.id})`);
  if (def.description) lines.push(def.description);
  lines.push('', `Nodes (${def.nodes.length}):`);
  for (const node of def.nodes) {
    const run = node.entrypoint ? `  $ ${node.entrypoint}` : '';
    lines.push(
      `  ${node.id}${node.name && node.name !== node.id ? ` "${node.name}"` : ''}  [${node.image}]${run}`,
    );
    const inputs = schemaFields(node.inputs);
    const outputs = schemaFields(node.outputs);
    if (inputs) lines.push(`      inputs: ${inputs}`);
    if (outputs) lines.push(`      outputs: ${outputs}`);
    if (node.networks?.length) lines.push(`      networks: ${node.networks.join(', ')}`);
  }
  lines.push('', `Links (${def.links.length}):`);
  for (const link of def.links) lines.push(`  ${linkText(link)}`);
  lines.push('', `Entry nodes: ${entryNodes(def).join(', ') || '(none)'}`);
  if (def.networkDefs.length) {
    lines.push(
      `Networks: ${def.networkDefs.map((n) => `${n.alias}${n.internal ? ' (internal)' : ''}`).join(', ')}`,
    );
  }
  if (def.services.length) {
    lines.push(`Services: ${def.services.map((s) => `${s.id} [${s.image}]`).join(', ')}`);
  }
  lines.push(...triggerLines(def, now));
  return lines.join('\n');
}

function escapeLabel(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/\|/g, '#124;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/**
 * A Mermaid flowchart of the workflow. Forward links are solid arrows, back-links dotted;
 * conditions, data and iteration limits appear on the link labels.
 */
export function toMermaid(def: Pick<WorkflowDefinition, 'nodes' | 'links'>): string {
  const key = new Map(def.nodes.map((n, i) => [n.id, `n${i}`]));
  const keyOf = (id: string) => key.get(id) ?? `missing_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const lines = ['flowchart LR'];
  for (const node of def.nodes) {
    const title = node.name && node.name !== node.id ? `${node.name} (${node.id})` : node.id;
    lines.push(`  ${keyOf(node.id)}["${escapeLabel(title)}<br/><small>${escapeLabel(node.image)}</small>"]`);
  }
  for (const link of def.links) {
    const parts: string[] = [];
    const cond = conditionLabel(link.when);
    if (cond) parts.push(cond);
    if (link.data) parts.push(`+ ${JSON.stringify(link.data)}`);
    if (link.maxIterations !== undefined) parts.push(`max ${link.maxIterations}x`);
    const arrow = link.maxIterations === undefined ? '-->' : '-.->';
    const label = parts.length ? `|"${escapeLabel(parts.join(', '))}"|` : '';
    lines.push(`  ${keyOf(link.from)} ${arrow}${label} ${keyOf(link.to)}`);
  }
  return lines.join('\n');
}
