import type { WorkflowDefinition } from '../../../definition/definitions.ts';

/** Parked containers per image at most, whatever the workflows' width. */
export const MAX_WARM_POOL_SIZE = 4;

/** What the local light-run keeps warm: these images, `size` parked containers each. */
export interface WarmPoolPlan {
  images: string[];
  /** Parked containers per image, 1 to {@link MAX_WARM_POOL_SIZE}. */
  size: number;
}

/**
 * The warm pool a local light-run gets for `workflows`: the images of the nodes a parked
 * container can serve (an entrypoint, the default workdir, no networks: light-run's pool
 * rule), and per image the widest level of any workflow (the most nodes that can start at
 * once, links that close a loop left out), capped at {@link MAX_WARM_POOL_SIZE}.
 * Undefined when no node qualifies.
 */
export function warmPoolPlan(workflows: readonly WorkflowDefinition[]): WarmPoolPlan | undefined {
  const images = new Set<string>();
  let size = 0;
  for (const workflow of workflows) {
    const poolable = workflow.nodes.filter(
      (node) =>
        node.entrypoint !== undefined &&
        (node.workdir === undefined || node.workdir === '/app') &&
        (node.networks ?? workflow.defaults?.networks ?? []).length === 0,
    );
    for (const node of poolable) images.add(node.image);
    size = Math.max(size, widestLevel(workflow, new Set(poolable.map((n) => n.id))));
  }
  if (images.size === 0) return undefined;
  return { images: [...images].sort(), size: Math.min(MAX_WARM_POOL_SIZE, Math.max(1, size)) };
}

/** The most nodes of `counted` on one DAG level (longest path from a source; loop-closing links left out). */
function widestLevel(workflow: WorkflowDefinition, counted: ReadonlySet<string>): number {
  const forward = workflow.links.filter((l) => l.maxIterations === undefined);
  const level = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    // A cycle without maxIterations is refused by validation; never loop on one here.
    if (seen.has(id)) return 0;
    seen.add(id);
    const value = Math.max(0, ...forward.filter((l) => l.to === id).map((l) => depth(l.from, seen) + 1));
    level.set(id, value);
    return value;
  };
  const widths = new Map<number, number>();
  for (const node of workflow.nodes) {
    const l = depth(node.id, new Set());
    if (counted.has(node.id)) widths.set(l, (widths.get(l) ?? 0) + 1);
  }
  return Math.max(0, ...widths.values());
}
