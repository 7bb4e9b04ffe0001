import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileJsonSchema, createAjv } from '../definition/schema/compile.ts';
import type { JsonSchema } from '../definition/schema/schema.ts';

/** Validates node inputs and outputs against their JSON Schemas, compiling each schema once. */
export class SchemaCheck {
  private readonly ajv = createAjv();
  private readonly cache = new Map<JsonSchema, ValidateFunction>();

  /**
   * `undefined` when `value` matches `schema` (or there is no schema); otherwise a message
   * naming the subject and each JSON path, e.g. `node "score": output /total must be number`.
   */
  check(
    subject: string,
    what: 'input' | 'output',
    schema: JsonSchema | undefined,
    value: unknown,
  ): string | undefined {
    if (!schema) return undefined;
    const validate = this.compiled(schema);
    if (validate === null) return `${subject}: its ${what} schema is not a valid JSON Schema`;
    if (validate(value)) return undefined;
    const problems = (validate.errors ?? []).map((e) => describe(what, e));
    return `${subject}: ${problems.join('; ')}`;
  }

  private compiled(schema: JsonSchema): ValidateFunction | null {
    const known = this.cache.get(schema);
    if (known) return known;
    const result = compileJsonSchema(schema, this.ajv);
    if (!result.ok) return null;
    this.cache.set(schema, result.validate);
    return result.validate;
  }
}

function describe(what: string, error: ErrorObject): string {
  return `${what} ${error.instancePath || '/'} ${error.message ?? 'is invalid'}`;
}
