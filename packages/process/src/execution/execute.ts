import { randomBytes } from 'node:crypto';
import { LightProcessError } from '../errors.ts';
import type { WorkflowDefinition } from '../model/definitions.ts';
import { assertValidWorkflow } from '../validation/assert-valid.ts';
import { type DagOutcome, DagRun } from './dag-run.ts';
import { assertEnvironment } from './node-request.ts';
import { RunScope, type TeardownError } from './run-scope.ts';
import { SchemaCheck } from './schema-check.ts';
import type { ExecuteOptions, WorkflowError, WorkflowResult } from './types.ts';
import { WorkflowStopper } from './workflow-stopper.ts';

/**
 * Runs a workflow through a `StepRunner` (a `LightRunClient` in practice): validates it,
 * creates its run-scoped networks, starts its services, runs the DAG, then stops the
 * services and deletes the networks, on success, failure, cancel and timeout alike.
 *
 * Rejects only when nothing ran: an invalid workflow (`WorkflowValidationError`), a missing
 * environment variable (`ENV_MISSING`) or an input that does not match the workflow's
 * `inputs` (`INPUT_INVALID`). Every other outcome resolves with `success` and `error`.
 * @example
 * const result = await executeWorkflow(definition, { name: 'Ada' }, { runner: new LightRunClient({ url }) });
 */
export async function executeWorkflow(
  definition: WorkflowDefinition,
  input: unknown,
  options: ExecuteOptions,
): Promise<WorkflowResult> {
  assertValidWorkflow(definition);
  const env = options.env ?? {};
  assertEnvironment(definition, env);
  const start = input ?? {};
  if (typeof start !== 'object' || Array.isArray(start)) {
    throw new LightProcessError(
      'INPUT_INVALID',
      `the workflow input must be a JSON object, not ${JSON.stringify(start)}`,
    );
  }
  const invalid = new SchemaCheck().check('workflow', 'input', definition.inputs, start);
  if (invalid) throw new LightProcessError('INPUT_INVALID', invalid, { field: 'inputs' });

  const runId = options.runId ?? randomBytes(6).toString('hex');
  const started = Date.now();
  const timeoutMs = options.timeout || definition.timeout || 0;
  const stopper = new WorkflowStopper(timeoutMs, options.signal);
  let scope: RunScope;
  try {
    scope = await RunScope.open(definition, options.runner, runId, env, stopper.signal);
  } catch (cause) {
    stopper.dispose();
    const error = cause instanceof LightProcessError ? cause : undefined;
    const message = cause instanceof Error ? cause.message : String(cause);
    return {
      runId,
      success: false,
      results: {},
      duration: Date.now() - started,
      error: { code: error?.code ?? 'RUN_SCOPE_FAILED', message },
    };
  }

  let outcome: DagOutcome;
  try {
    const dag = new DagRun(
      definition,
      { defaults: definition.defaults, networks: scope.networks, services: scope.services, env },
      options,
    );
    stopper.onStop((code) => dag.stop(code));
    outcome = stopper.reason
      ? { results: {}, stop: { code: stopper.reason } }
      : await dag.run(start as Record<string, unknown>);
  } finally {
    stopper.dispose();
  }
  const teardownErrors = await scope.close();
  return assemble(runId, started, outcome, teardownErrors, timeoutMs);
}

function assemble(
  runId: string,
  started: number,
  outcome: DagOutcome,
  teardownErrors: TeardownError[],
  timeoutMs: number,
): WorkflowResult {
  let error: WorkflowError | undefined;
  const stop = outcome.stop;
  if (stop?.code === 'NODE_FAILED') error = stop.error;
  else if (stop?.code === 'WORKFLOW_CANCELLED')
    error = { code: stop.code, message: 'the workflow was cancelled' };
  else if (stop?.code === 'WORKFLOW_TIMEOUT') {
    error = { code: stop.code, message: `the workflow timed out after ${timeoutMs} ms` };
  } else if (teardownErrors.length > 0) {
    error = { code: 'TEARDOWN_FAILED', message: teardownErrors.map((e) => e.message).join('; ') };
  }
  return {
    runId,
    success: error === undefined,
    results: outcome.results,
    duration: Date.now() - started,
    ...(error ? { error } : {}),
    ...(teardownErrors.length > 0 ? { teardownErrors } : {}),
  };
}
