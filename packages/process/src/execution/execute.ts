import type { WorkflowDefinition } from '../model/definitions.ts';
import type { ExecuteOptions, WorkflowResult } from './types.ts';

/** Runs a workflow definition through light-run. (Placeholder: being implemented.) */
export async function executeWorkflow(
  _definition: WorkflowDefinition,
  _input: unknown,
  _options: ExecuteOptions,
): Promise<WorkflowResult> {
  throw new Error('executeWorkflow: not implemented yet');
}
