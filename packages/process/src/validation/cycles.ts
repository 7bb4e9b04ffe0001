import type { LinkDefinition } from '../definition/definitions.ts';

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

  // Iterative depth-first search: a 10,000-node chain must not exhaust the call stack.
  const visit = (root: string): void => {
    const frames: { node: string; next: number }[] = [{ node: root, next: 0 }];
    state.set(root, 'open');
    stack.push(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as { node: string; next: number };
      const edges = out.get(frame.node) ?? [];
      const edge = edges[frame.next++];
      if (edge === undefined) {
        frames.pop();
        stack.pop();
        state.set(frame.node, 'done');
        continue;
      }
      const s = state.get(edge.to);
      if (s === 'open') {
        const nodes = stack.slice(stack.indexOf(edge.to));
        const key = [...nodes].sort().join('\0');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push({ nodes, closingLink: edge.index });
        }
      } else if (s === undefined) {
        state.set(edge.to, 'open');
        stack.push(edge.to);
        frames.push({ node: edge.to, next: 0 });
      }
    }
  };
  for (const id of nodeIds) if (!state.has(id)) visit(id);
  return cycles;
}

/** Whether `to` can reach `from` through any link, i.e. whether a link from -> to closes a cycle. */
export function closesCycle(link: LinkDefinition, links: readonly LinkDefinition[]): boolean {
  if (link.from === link.to) return true;
  const next = new Map<string, string[]>();
  for (const l of links) {
    const list = next.get(l.from);
    if (list) list.push(l.to);
    else next.set(l.from, [l.to]);
  }
  const seen = new Set<string>([link.to]);
  const queue = [link.to];
  for (let head = 0; head < queue.length; head++) {
    for (const to of next.get(queue[head] as string) ?? []) {
      if (to === link.from) return true;
      if (seen.has(to)) continue;
      seen.add(to);
      queue.push(to);
    }
  }
  return false;
}
