import type { LinkDefinition, NodeDefinition, WorkflowDefinition } from 'light-process';
import { STEP_IMAGE, STEP_INPUT, stepScript } from './step.ts';

/** A quick container node: the trivial step, its JSON as the node's output. */
export function quickNode(id: string): NodeDefinition {
  return {
    id,
    image: STEP_IMAGE,
    entrypoint: stepScript('.lp-output.json'),
    files: { [STEP_INPUT.name]: STEP_INPUT.content },
  };
}

/** A node that sleeps `seconds` and outputs `{}`. */
export function sleepNode(id: string, seconds: number): NodeDefinition {
  return { id, image: STEP_IMAGE, entrypoint: `sleep ${seconds}` };
}

/** A workflow definition from nodes and `[from, to]` pairs. */
export function workflow(id: string, nodes: NodeDefinition[], links: [string, string][]): WorkflowDefinition {
  return {
    id,
    nodes,
    links: links.map(([from, to]): LinkDefinition => ({ from, to })),
    networkDefs: [],
    services: [],
  };
}

/** n quick nodes in a line. */
export function chain(n: number, node: (id: string) => NodeDefinition = quickNode): WorkflowDefinition {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  return workflow(
    `chain-${n}`,
    ids.map(node),
    ids.slice(1).map((id, i) => [ids[i] ?? '', id]),
  );
}

/** A source, `width` quick nodes in parallel, a sink. */
export function fanOutIn(
  width: number,
  node: (id: string) => NodeDefinition = quickNode,
): WorkflowDefinition {
  const mids = Array.from({ length: width }, (_, i) => `m${i}`);
  return workflow(
    `fan-${width}`,
    [node('src'), ...mids.map(node), node('sink')],
    [...mids.map((m): [string, string] => ['src', m]), ...mids.map((m): [string, string] => [m, 'sink'])],
  );
}
