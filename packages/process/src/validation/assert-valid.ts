import type { WorkflowDefinition } from '../definition/definitions.ts';
import { WorkflowValidationError } from '../definition/errors.ts';
import { inspectWorkflow, type ValidateOptions } from './validate-workflow.ts';

// Definitions this module parsed and froze: running one again needs no second validation.
const validated = new WeakSet<object>();

/**
 * Returns the parsed definition (defaults applied, deeply frozen), or throws
 * `WorkflowValidationError` listing every problem. A definition it returned is returned as is
 * (it cannot have changed since), so a face that validates early, with the files each problem
 * comes from, costs the executor nothing. `light check` prints the same problems.
 */
export function assertValidWorkflow(definition: unknown, options: ValidateOptions = {}): WorkflowDefinition {
  if (isValidatedWorkflow(definition)) return definition;
  const { problems, parsed } = inspectWorkflow(definition, options);
  if (problems.length > 0 || !parsed) {
    throw new WorkflowValidationError(problems, options.file ? { file: options.file } : {});
  }
  const frozen = deepFreeze(parsed);
  validated.add(frozen);
  return frozen;
}

/** True for a definition `assertValidWorkflow` returned. */
export function isValidatedWorkflow(value: unknown): value is WorkflowDefinition {
  return typeof value === 'object' && value !== null && validated.has(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
