import { randomBytes } from 'node:crypto';
import type { WorkflowDefinition, WorkflowDefinitionInput } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';
import { type DagOutcome, DagRun } from './dag-run.ts';
import { NodeTransfer } from './node-transfer.ts';
import { prepareRun } from './prepare.ts';
import { assertRequestSizes } from './request-size.ts';
import { RunScope, type TeardownError } from './run-scope.ts';
import type { ExecuteOptions, WorkflowError, WorkflowResult } from './types.ts';
import { WorkflowStopper } from './workflow-stopper.ts';

/**
 * Runs a workflow through a `StepRunner` (a `LightRunClient` in practice): validates it once
 * (`prepareRun`) and runs the parsed definition, defaults applied, so plain JSON that leaves
 * out `links`, `services` or `networkDefs` runs as well. It creates its run-scoped networks, starts its services, runs the DAG, then stops the
 * services and deletes the networks, on success, failure, cancel and timeout alike.
 *
 * Node `env` names resolve from `options.env` (default `process.env`); `LP_API_KEY` and
 * `LIGHT_RUN_TOKEN` never do. Rejects only when nothing ran: an invalid workflow
 * (`WorkflowValidationError`), a missing or refused environment variable (`ENV_MISSING`),
 * an input that does not match the workflow's `inputs` (`INPUT_INVALID`) or a node whose
 * files exceed the runner's body limit (`NODE_FILES_TOO_LARGE`). Every other outcome
 * resolves with `success` and `error`.
 *
 * Cancellation (`signal`, `timeout`) reaches every run at any moment: a run being submitted
 * is cancelled once light-run answered, then the services stop and the networks go. With a
 * runner that has leases, everything is tied to one lease renewed while this runs, so that a
 * killed process leaves nothing behind once the lease expires.
 * @example
 * const result = await executeWorkflow(definition, { name: 'Ada' }, { runner: new LightRunClient({ url }) });
 */
export async function executeWorkflow(
  workflow: WorkflowDefinitionInput | WorkflowDefinition,
  input: unknown,
  options: ExecuteOptions,
): Promise<WorkflowResult> {
  const prepared = prepareRun(workflow, input, options.env ? { env: options.env } : {});
  const { definition, env, input: start } = prepared;
  assertRequestSizes(definition, options.runner.maxRequestBytes, {
    uploads: options.runner.uploadFiles !== undefined,
  });

  const runId = options.runId ?? randomBytes(6).toString('hex');
  const started = Date.now();
  // 0 means no timeout at every level: only an absent value falls back.
  const timeoutMs = options.timeout ?? definition.timeout ?? 0;
  const stopper = new WorkflowStopper(timeoutMs, options.signal);
  let scope: RunScope;
  try {
    scope = await RunScope.open(definition, options.runner, runId, env, stopper.signal);
  } catch (cause) {
    stopper.dispose();
    const error = cause instanceof LightProcessError ? cause : undefined;
    const message = cause instanceof Error ? cause.message : String(cause);
    // A stop while the scope was set up is the stop, not a set-up failure.
    const code = stopper.reason ?? error?.code ?? 'RUN_SCOPE_FAILED';
    return {
      runId,
      success: false,
      results: {},
      duration: Date.now() - started,
      error: {
        code,
        message: stopper.reason ? `the workflow ${stopText(stopper.reason, timeoutMs)}` : message,
      },
    };
  }

  let outcome: DagOutcome;
  const transfer = new NodeTransfer(definition, options.runner);
  try {
    const dag = new DagRun(
      definition,
      {
        defaults: definition.defaults,
        networks: scope.networks,
        services: scope.services,
        env,
        transfer,
        ...(scope.leaseId ? { lease: scope.leaseId } : {}),
      },
      options,
    );
    stopper.onStop((code) => dag.stop(code));
    outcome = stopper.reason ? { results: {}, stop: { code: stopper.reason } } : await dag.run(start);
  } finally {
    stopper.dispose();
  }
  // Artifacts go before the scope: their runs have ended, and the lease is still held.
  const transferErrors = await transfer.close(options.keepArtifacts === true);
  // A cancelled or timed-out workflow kills its services at once: no grace period to wait.
  const teardownErrors = [...transferErrors, ...(await scope.close(stopper.reason ? { graceMs: 0 } : {}))];
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
  else if (stop) error = { code: stop.code, message: `the workflow ${stopText(stop.code, timeoutMs)}` };
  else if (teardownErrors.length > 0) {
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

function stopText(code: 'WORKFLOW_CANCELLED' | 'WORKFLOW_TIMEOUT', timeoutMs: number): string {
  return code === 'WORKFLOW_CANCELLED' ? 'was cancelled' : `timed out after ${timeoutMs} ms`;
}
