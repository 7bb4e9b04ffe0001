import { evaluateCondition } from '../definition/conditions/evaluate.ts';
import { type Condition, type LinkDefinition, linkDefinition } from '../definition/definitions.ts';
import { deepFreeze, parseDefinition } from '../definition/parse-definition.ts';

/** Options of a link besides its ends. */
export interface LinkOptions {
  /** Optional id of the link. */
  id?: string;
  /** Condition on the source output; the link fires only when it matches. @default always fires */
  when?: Condition;
  /** Object merged on top of the source output before it reaches the target. */
  data?: Record<string, unknown>;
  /** Bound of a back-link that closes a cycle (number of times it may fire). */
  maxIterations?: number;
}

/** An edge of the DAG: `from`'s output flows to `to` when `when` matches. Immutable. */
export class Link {
  readonly #def: LinkDefinition;

  /** Validates the definition; throws `DefinitionError` naming the field. */
  constructor(definition: LinkDefinition) {
    this.#def = deepFreeze(parseDefinition(linkDefinition, definition, 'link'));
  }

  /** `new Link({from, to, ...options})`. */
  static between(from: string, to: string, options: LinkOptions = {}): Link {
    return new Link({ from, to, ...options });
  }

  get from(): string {
    return this.#def.from;
  }
  get to(): string {
    return this.#def.to;
  }
  get when(): Condition | undefined {
    return this.#def.when;
  }
  get data(): Readonly<Record<string, unknown>> | undefined {
    return this.#def.data;
  }
  get maxIterations(): number | undefined {
    return this.#def.maxIterations;
  }
  /** A back-link is bounded by `maxIterations`; every other link is a forward link. */
  get isBackLink(): boolean {
    return this.#def.maxIterations !== undefined;
  }

  /** Whether this link fires for a given source output. */
  matches(output: unknown): boolean {
    return evaluateCondition(this.#def.when, output);
  }

  /** The plain definition (a fresh copy). */
  toJSON(): LinkDefinition {
    return structuredClone(this.#def) as LinkDefinition;
  }
}
