import {
  type MapDefinition,
  type NodeFile,
  type WorkflowNode,
  workflowNode,
} from '../definition/definitions.ts';
import { deepFreeze, parseDefinition } from '../definition/parse-definition.ts';
import type { JsonSchema } from '../definition/schema/schema.ts';
import { encodeFile } from '../files/file-content.ts';
import { loadNodeFromFolder } from '../files/load-node.ts';
import type { ReadNodeFilesOptions } from '../files/read-node-files.ts';

/** Options of `Node.withFile`. */
export interface WithFileOptions {
  /** Unix permission bits, e.g. `0o755` for a script. @default none (the runner's default) */
  mode?: number;
}

/**
 * One step of a workflow: one container run. Immutable: `with*` methods return new nodes.
 * @example new Node({ id: 'hello', image: 'localhost/light-node', entrypoint: 'node index.js' })
 *   .withFile('index.js', "require('./lp.js').send({ ok: true })")
 */
export class Node {
  readonly #def: WorkflowNode;

  /** Validates the definition; throws `DefinitionError` naming the field. */
  constructor(definition: WorkflowNode) {
    this.#def = deepFreeze(parseDefinition(workflowNode, definition, `node '${definition?.id ?? '?'}'`));
  }

  /** Loads a node folder (`.node.json` + code files). */
  static async fromFolder(dir: string, options: Omit<ReadNodeFilesOptions, 'nodeId'> = {}): Promise<Node> {
    return new Node(await loadNodeFromFolder(dir, options));
  }

  get id(): string {
    return this.#def.id;
  }
  get name(): string {
    return this.#def.name ?? this.#def.id;
  }
  get image(): string {
    return this.#def.image;
  }
  get entrypoint(): string | undefined {
    return this.#def.entrypoint;
  }
  get inputs(): Readonly<JsonSchema> | undefined {
    return this.#def.inputs;
  }
  get outputs(): Readonly<JsonSchema> | undefined {
    return this.#def.outputs;
  }
  /** The node's fan-out over a list (see `withMap`), when it has one. */
  get map(): Readonly<MapDefinition> | undefined {
    return this.#def.map;
  }
  /** Relative path -> content. */
  get files(): Readonly<Record<string, NodeFile>> {
    return this.#def.files ?? {};
  }

  /** A copy with other fields changed. */
  with(patch: Partial<WorkflowNode>): Node {
    return new Node({ ...this.toJSON(), ...patch });
  }

  /** A copy with one more file (text as a string, binary as bytes). */
  withFile(path: string, content: string | Uint8Array, options: WithFileOptions = {}): Node {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const file =
      typeof content === 'string' && options.mode === undefined ? content : encodeFile(bytes, options.mode);
    return this.with({ files: { ...this.#def.files, [path]: file } });
  }

  /** A copy with the inputs JSON Schema set. */
  withInputs(schema: JsonSchema): Node {
    return this.with({ inputs: schema });
  }

  /** A copy with the outputs JSON Schema set. */
  withOutputs(schema: JsonSchema): Node {
    return this.with({ outputs: schema });
  }

  /**
   * A copy that runs once per element of the array at `map.over` in its input, each in its
   * own container. @example node.withMap({ over: 'items', concurrency: 4, failFast: false })
   */
  withMap(map: MapDefinition): Node {
    return this.with({ map });
  }

  /** The plain definition (a fresh copy). */
  toJSON(): WorkflowNode {
    return structuredClone(this.#def) as WorkflowNode;
  }
}
