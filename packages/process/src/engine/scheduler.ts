import type { Condition, LinkDefinition } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';

/** One run of one node that may start now. */
export interface Activation {
  nodeId: string;
  /** Merged input: outputs of the links that fired, in link order, each with its `data` on top. */
  input: Record<string, unknown>;
  /** 1 for the first run of the node, 2 for the second (loops)... */
  iteration: number;
}

/** What a completion unlocked. */
export interface Progress {
  /** Nodes that may start now. */
  ready: Activation[];
  /** Nodes now known never to run: every incoming link was decided and none fired. */
  skipped: string[];
}

/** Evaluates a link's `when` against its source's output. */
export type ConditionEvaluator = (when: Condition | undefined, output: Record<string, unknown>) => boolean;

type NodeState = 'waiting' | 'running' | 'done' | 'skipped';

interface Edge {
  /** Index of the link in the workflow's `links` (its order for merging). */
  index: number;
  link: LinkDefinition;
  target: NodeSlot;
  /** Position of this edge in the target's incoming forward edges. */
  slot: number;
}

interface NodeSlot {
  id: string;
  state: NodeState;
  forwardOut: Edge[];
  backOut: Edge[];
  /** Incoming forward edges, in link order. */
  inCount: number;
  decided: boolean[];
  undecided: number;
  /** Latest value delivered per incoming forward edge (`undefined`: never fired). */
  delivered: (Record<string, unknown> | undefined)[];
  iteration: number;
  /** A new run was requested while the node ran: its input (`null`: merge the links). */
  rerun: Record<string, unknown> | null | undefined;
}

/**
 * The event-driven core of the executor: which node may run next, given which nodes
 * finished with which output. No level barrier: a node is ready as soon as each of its
 * incoming forward links has been decided (fired or not) and at least one fired.
 * Links with `maxIterations` are back-links: while their `when` holds and they fired fewer
 * than `maxIterations` times they re-run their target with the source's output, and the
 * source holds its forward links until its last iteration. Every event costs time in
 * proportion to the links it touches (adjacency is precomputed): near-linear overall.
 */
export class Scheduler {
  private readonly nodes = new Map<string, NodeSlot>();
  private readonly backCount = new Map<Edge, number>();

  constructor(
    nodeIds: readonly string[],
    links: readonly LinkDefinition[],
    private readonly evaluate: ConditionEvaluator,
  ) {
    for (const id of nodeIds) {
      this.nodes.set(id, {
        id,
        state: 'waiting',
        forwardOut: [],
        backOut: [],
        inCount: 0,
        decided: [],
        undecided: 0,
        delivered: [],
        iteration: 0,
        rerun: undefined,
      });
    }
    links.forEach((link, index) => {
      const source = this.slot(link.from);
      const target = this.slot(link.to);
      if (link.maxIterations !== undefined) {
        source.backOut.push({ index, link, target, slot: -1 });
        return;
      }
      source.forwardOut.push({ index, link, target, slot: target.inCount });
      target.inCount += 1;
    });
    for (const node of this.nodes.values()) {
      node.undecided = node.inCount;
      node.decided = new Array<boolean>(node.inCount).fill(false);
      node.delivered = new Array<Record<string, unknown> | undefined>(node.inCount).fill(undefined);
    }
  }

  /** The entry nodes (no incoming forward link), each with the workflow input. */
  start(input: Record<string, unknown>): Activation[] {
    const ready: Activation[] = [];
    for (const node of this.nodes.values()) if (node.inCount === 0) ready.push(this.activate(node, input));
    return ready;
  }

  /** Records that a node succeeded with `output`; returns what that unlocks. */
  complete(nodeId: string, output: Record<string, unknown>): Progress {
    const node = this.slot(nodeId);
    node.state = 'done';
    const progress: Progress = { ready: [], skipped: [] };
    let looped = false;
    for (const edge of node.backOut) {
      const count = this.backCount.get(edge) ?? 0;
      if (count >= (edge.link.maxIterations ?? 0) || !this.evaluate(edge.link.when, output)) continue;
      this.backCount.set(edge, count + 1);
      looped = true;
      this.request(edge.target, { ...output, ...edge.link.data }, progress);
    }
    // A node that loops back runs again: its forward links wait for its last iteration.
    if (!looped) {
      const skipQueue: NodeSlot[] = [];
      for (const edge of node.forwardOut) this.decide(edge, this.fire(edge, output), progress, skipQueue);
      this.propagateSkips(skipQueue, progress);
    }
    if (node.rerun !== undefined && node.state === 'done') {
      const input = node.rerun ?? this.merged(node);
      node.rerun = undefined;
      progress.ready.push(this.activate(node, input));
    }
    return progress;
  }

  /** The state of a node: `waiting` (never started), `running`, `done` or `skipped`. */
  state(nodeId: string): NodeState {
    return this.slot(nodeId).state;
  }

  private fire(edge: Edge, output: Record<string, unknown>): Record<string, unknown> | undefined {
    return this.evaluate(edge.link.when, output) ? { ...output, ...edge.link.data } : undefined;
  }

  private decide(
    edge: Edge,
    value: Record<string, unknown> | undefined,
    progress: Progress,
    skips: NodeSlot[],
  ): void {
    const target = edge.target;
    if (value !== undefined) target.delivered[edge.slot] = value;
    if (target.state !== 'waiting') {
      // The target already ran (loop body) or was skipped: a new delivery runs it again.
      if (value !== undefined) this.request(target, null, progress);
      return;
    }
    if (!target.decided[edge.slot]) {
      target.decided[edge.slot] = true;
      target.undecided -= 1;
    }
    if (target.undecided > 0) return;
    if (target.delivered.some((v) => v !== undefined))
      progress.ready.push(this.activate(target, this.merged(target)));
    else skips.push(target);
  }

  private propagateSkips(queue: NodeSlot[], progress: Progress): void {
    // Iterative, not recursive: a skipped chain of 10,000 nodes must not overflow the stack.
    while (queue.length > 0) {
      const node = queue.pop() as NodeSlot;
      node.state = 'skipped';
      progress.skipped.push(node.id);
      for (const edge of node.forwardOut) this.decide(edge, undefined, progress, queue);
    }
  }

  /** Asks for another run of `node` (`null` input: merge its links' latest values). */
  private request(node: NodeSlot, input: Record<string, unknown> | null, progress: Progress): void {
    if (node.state === 'running') {
      node.rerun = input ?? node.rerun ?? null;
      return;
    }
    progress.ready.push(this.activate(node, input ?? this.merged(node)));
  }

  private activate(node: NodeSlot, input: Record<string, unknown>): Activation {
    node.state = 'running';
    node.iteration += 1;
    return { nodeId: node.id, input, iteration: node.iteration };
  }

  private merged(node: NodeSlot): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    for (const value of node.delivered) if (value !== undefined) Object.assign(input, value);
    return input;
  }

  private slot(id: string): NodeSlot {
    const node = this.nodes.get(id);
    if (!node) throw new LightProcessError('DEFINITION_INVALID', `unknown node "${id}"`, { nodeId: id });
    return node;
  }
}
