import { type WorkflowDefinition, workflowDefinition } from '../definition/definitions.ts';
import { WorkflowValidationError } from '../definition/errors.ts';
import { type ValidateOptions, validateWorkflow } from './validate-workflow.ts';

/**
 * Returns the parsed definition (defaults applied), or throws `WorkflowValidationError`
 * listing every problem. The executor calls it before any run starts; `light check`
 * prints the same problems.
 */
export function assertValidWorkflow(definition: unknown, options: ValidateOptions = {}): WorkflowDefinition {
  const problems = validateWorkflow(definition, options);
  if (problems.length > 0) {
    throw new WorkflowValidationError(problems, options.file ? { file: options.file } : {});
  }
  return workflowDefinition.parse(definition);
}
