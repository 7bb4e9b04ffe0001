import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonSchema } from './schema.ts';

/**
 * A fresh ajv instance configured the way light-process reads users' schemas: all errors,
 * unknown keywords and formats tolerated (schemas are often shared with other tools).
 */
export function createAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: false, logger: false });
}

/** Compiles a JSON Schema; returns the validator, or the reason it is not a valid schema. */
export function compileJsonSchema(
  schema: JsonSchema,
  ajv: Ajv = createAjv(),
): { ok: true; validate: ValidateFunction } | { ok: false; error: string } {
  try {
    return { ok: true, validate: ajv.compile(schema) };
  } catch (cause) {
    return { ok: false, error: cause instanceof Error ? cause.message : String(cause) };
  }
}
