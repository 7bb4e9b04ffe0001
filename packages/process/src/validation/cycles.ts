import type { LinkDefinition } from '../model/definitions.ts';

/** A cycle among forward links: the nodes in order, and the index of the link that closes it. */
export interface FoundCycle {
  /** Node ids in order; the first is repeated implicitly at the end. */
  nodes: string[];
  /** Index (in the workflow's `links`) of the link that returns to the first node. */
  closingLink: number;
}

/**
 * Cycles made only of forward links (links without `maxIterations`). Each such cycle is
 * a loop nothing bounds, so the workflow is invalid until one of its links gets a limit.
 */
export function findUnboundedCycles(
  nodeIds: readonly string[],
  links: readonly LinkDefinition[],
): FoundCycle[] {
  const known = new Set(nodeIds);
  const out = new Map<string, { to: string; index: number }[]>();
  links.forEach((link, index) => {
    if (link.maxIterations !== undefined || !known.has(link.from) || !known.has(link.to)) return;
    const list = out.get(link.from) ?? [];
    list.push({ to: link.to, index });
    out.set(link.from, list);
  });

  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: FoundCycle[] = [];
  const seen = new Set<string>();

  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const edge of out.get(node) ?? []) {
      const s = state.get(edge.to);
      if (s === 'open') {
        const nodes = stack.slice(stack.indexOf(edge.to));
        const key = [...nodes].sort().join('\0');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push({ nodes, closingLink: edge.index });
        }
      } else if (s === undefined) {
        visit(edge.to);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const id of nodeIds) if (!state.has(id)) visit(id);
  return cycles;
}

/** Whether `to` can reach `from` through any link, i.e. whether a link from -> to closes a cycle. */
export function closesCycle(link: LinkDefinition, links: readonly LinkDefinition[]): boolean {
  if (link.from === link.to) return true;
  const seen = new Set<string>([link.to]);
  const queue = [link.to];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const l of links) {
      if (l.from !== node || seen.has(l.to)) continue;
      if (l.to === link.from) return true;
      seen.add(l.to);
      queue.push(l.to);
    }
  }
  return false;
}
