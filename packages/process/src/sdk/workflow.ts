import type { z } from 'zod';
import {
  type LinkDefinition,
  type WorkflowDefinition,
  type WorkflowNode,
  workflowDefinition,
} from '../definition/definitions.ts';
import { describeWorkflow, toMermaid } from '../definition/describe.ts';
import { deepFreeze, parseDefinition } from '../definition/parse-definition.ts';
import type { Problem } from '../definition/problem.ts';
import { executeWorkflow } from '../engine/execute.ts';
import type { ExecuteOptions, WorkflowResult } from '../engine/types.ts';
import { type LoadOptions, loadWorkflow } from '../files/load-workflow.ts';
import { type SaveOptions, saveWorkflowToFolder } from '../files/save-workflow.ts';
import { validateWorkflow } from '../validation/validate-workflow.ts';
import { Link, type LinkOptions } from './link.ts';
import { Node } from './node.ts';

/** What `new Workflow(...)` accepts: the definition, with `Node` / `Link` objects allowed. */
export interface WorkflowInit extends Omit<z.input<typeof workflowDefinition>, 'nodes' | 'links'> {
  nodes?: (Node | WorkflowNode)[];
  links?: (Link | LinkDefinition)[];
}

/**
 * An immutable workflow definition: nodes, links, networks, services. Every change
 * returns a new `Workflow`; `execute` runs it through light-run.
 * @example
 * const wf = new Workflow({ id: 'greet', name: 'Greet' })
 *   .addNode(new Node({ id: 'a', image: 'localhost/light-node', entrypoint: 'node a.js' }).withFile('a.js', src))
 *   .addNode(new Node({ id: 'b', image: 'localhost/light-python', entrypoint: 'python3 b.py' }).withFile('b.py', py))
 *   .link('a', 'b', { when: { ok: true } });
 * const result = await wf.execute({ name: 'Ada' }, { runner: new LightRunClient({ url, token }) });
 */
export class Workflow {
  readonly #def: WorkflowDefinition;

  /** Checks the shape (zod); throws `DefinitionError` naming the field. Graph checks: `validate()`. */
  constructor(init: WorkflowInit) {
    const plain = {
      ...init,
      nodes: (init.nodes ?? []).map((n) => (n instanceof Node ? n.toJSON() : n)),
      links: (init.links ?? []).map((l) => (l instanceof Link ? l.toJSON() : l)),
    };
    this.#def = deepFreeze(parseDefinition(workflowDefinition, plain, 'workflow'));
  }

  /** A workflow from a plain definition (e.g. parsed JSON). */
  static from(definition: WorkflowDefinition | WorkflowInit): Workflow {
    return new Workflow(definition);
  }

  /** Loads a workflow folder, its `workflow.json`, or a packed file. */
  static async load(path: string, options: LoadOptions = {}): Promise<Workflow> {
    return new Workflow(await loadWorkflow(path, options));
  }

  get id(): string {
    return this.#def.id;
  }
  get name(): string {
    return this.#def.name ?? this.#def.id;
  }
  /** The nodes, in definition order. */
  get nodes(): readonly Node[] {
    return this.#def.nodes.map((n) => new Node(n));
  }
  /** The links, in definition order (the order inputs merge in). */
  get links(): readonly Link[] {
    return this.#def.links.map((l) => new Link(l));
  }

  /** The node with this id, if any. */
  node(id: string): Node | undefined {
    const def = this.#def.nodes.find((n) => n.id === id);
    return def ? new Node(def) : undefined;
  }

  /** A copy with a node added (or replaced, when one with the same id exists). */
  addNode(node: Node | WorkflowNode): Workflow {
    const def = node instanceof Node ? node.toJSON() : node;
    const nodes = this.#def.nodes.some((n) => n.id === def.id)
      ? this.#def.nodes.map((n) => (n.id === def.id ? def : n))
      : [...this.#def.nodes, def];
    return new Workflow({ ...this.toJSON(), nodes });
  }

  /** A copy without the node and without the links that touch it. */
  removeNode(id: string): Workflow {
    const def = this.toJSON();
    return new Workflow({
      ...def,
      nodes: def.nodes.filter((n) => n.id !== id),
      links: def.links.filter((l) => l.from !== id && l.to !== id),
    });
  }

  /** A copy with a link added. */
  addLink(link: Link | LinkDefinition): Workflow {
    const def = link instanceof Link ? link.toJSON() : link;
    return new Workflow({ ...this.toJSON(), links: [...this.#def.links, def] });
  }

  /** A copy with a link `from -> to` added: `wf.link('a', 'b', { when: { ok: true } })`. */
  link(from: string, to: string, options: LinkOptions = {}): Workflow {
    return this.addLink({ from, to, ...options });
  }

  /** A copy without the links `from -> to`. */
  unlink(from: string, to: string): Workflow {
    const def = this.toJSON();
    return new Workflow({ ...def, links: def.links.filter((l) => l.from !== from || l.to !== to) });
  }

  /** Every problem of the workflow (see `validateWorkflow`); empty when valid. */
  validate(): Problem[] {
    return validateWorkflow(this.#def);
  }

  /** Runs the workflow through light-run; see `ExecuteOptions`. Never rejects for a node failure. */
  execute(input: unknown, options: ExecuteOptions): Promise<WorkflowResult> {
    return executeWorkflow(this.toJSON(), input, options);
  }

  /** Writes the workflow as a folder (see `saveWorkflowToFolder`). */
  save(dir: string, options: SaveOptions = {}): Promise<void> {
    return saveWorkflowToFolder(this.#def, dir, options);
  }

  /** A text summary: nodes, links with conditions, entry nodes, networks, services. */
  describe(): string {
    return describeWorkflow(this.#def);
  }

  /** A Mermaid flowchart of the DAG, conditions on link labels. */
  toMermaid(): string {
    return toMermaid(this.#def);
  }

  /** The plain definition (a fresh copy), e.g. for `JSON.stringify` or `executeWorkflow`. */
  toJSON(): WorkflowDefinition {
    return structuredClone(this.#def) as WorkflowDefinition;
  }
}
