/** A JSON Schema document, as stored in a node's `inputs` / `outputs`. */
export type JsonSchema = Record<string, unknown>;

/** Keywords every builder accepts. */
export interface CommonOptions {
  description?: string;
  title?: string;
  default?: unknown;
  examples?: unknown[];
}

/** Options of `Schema.string`. */
export interface StringOptions extends CommonOptions {
  /** Characters. */
  minLength?: number;
  /** Characters. */
  maxLength?: number;
  pattern?: string;
  format?: string;
}

/** Options of `Schema.number` / `Schema.integer`. */
export interface NumberOptions extends CommonOptions {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
}

/** Options of `Schema.array`. */
export interface ArrayOptions extends CommonOptions {
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
}

/** Options of `Schema.object`. */
export interface ObjectOptions extends CommonOptions {
  /** Required property names. @default every property not wrapped in `Schema.optional` */
  required?: string[];
  /** Whether unknown properties are allowed. @default true (JSON Schema's default) */
  additionalProperties?: boolean | JsonSchema;
}

// Marks schemas wrapped by `Schema.optional` without adding a key that would end up in JSON.
const optionals = new WeakSet<JsonSchema>();

function withOptions(base: JsonSchema, options: object | undefined): JsonSchema {
  const out: JsonSchema = { ...base };
  for (const [k, v] of Object.entries(options ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Builders of JSON Schema objects for node `inputs` and `outputs`.
 * @example Schema.object({ name: Schema.string(), age: Schema.optional(Schema.integer({ minimum: 0 })) })
 */
export const Schema = {
  /** `{type: 'string'}` with length, pattern or format constraints. */
  string: (options?: StringOptions): JsonSchema => withOptions({ type: 'string' }, options),
  /** `{type: 'number'}`. */
  number: (options?: NumberOptions): JsonSchema => withOptions({ type: 'number' }, options),
  /** `{type: 'integer'}`. */
  integer: (options?: NumberOptions): JsonSchema => withOptions({ type: 'integer' }, options),
  /** `{type: 'boolean'}`. */
  boolean: (options?: CommonOptions): JsonSchema => withOptions({ type: 'boolean' }, options),
  /** `{type: 'null'}`. */
  null: (options?: CommonOptions): JsonSchema => withOptions({ type: 'null' }, options),
  /** Any value: `{}`. */
  any: (options?: CommonOptions): JsonSchema => withOptions({}, options),
  /** `{type: 'array', items}`. */
  array: (items: JsonSchema, options?: ArrayOptions): JsonSchema =>
    withOptions({ type: 'array', items }, options),
  /** One of the given literal values: `{enum: [...]}`. */
  enum: (values: readonly (string | number | boolean | null)[], options?: CommonOptions): JsonSchema =>
    withOptions({ enum: [...values] }, options),
  /** Exactly this value: `{const: value}`. */
  literal: (value: string | number | boolean | null, options?: CommonOptions): JsonSchema =>
    withOptions({ const: value }, options),
  /** The value or null. */
  nullable: (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] }),
  /** Any of the given schemas: `{anyOf: [...]}`. */
  union: (...schemas: JsonSchema[]): JsonSchema => ({ anyOf: schemas }),
  /** Marks a property of `Schema.object` as not required. Returns a copy. */
  optional: (schema: JsonSchema): JsonSchema => {
    const copy = { ...schema };
    optionals.add(copy);
    return copy;
  },
  /** `{type: 'object', properties, required}`; properties are required unless `Schema.optional`. */
  object: (properties: Record<string, JsonSchema>, options?: ObjectOptions): JsonSchema => {
    const required =
      options?.required ?? Object.keys(properties).filter((k) => !optionals.has(properties[k] as JsonSchema));
    const base: JsonSchema = { type: 'object', properties: { ...properties } };
    if (required.length > 0) base.required = required;
    return withOptions(base, { ...options, required: undefined });
  },
} as const;
