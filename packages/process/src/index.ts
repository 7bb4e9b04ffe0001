/**
 * light-process: container-native DAG workflows over light-run.
 *
 * @example
 * import { LightRunClient, Node, Schema, Workflow } from 'light-process';
 *
 * const wf = new Workflow({ id: 'greet', name: 'Greet' })
 *   .addNode(
 *     new Node({ id: 'hello', image: 'localhost/light-node', entrypoint: 'node index.js' })
 *       .withInputs(Schema.object({ name: Schema.string() }))
 *       .withFile('index.js', "const { input, send } = require('./lp.js'); send({ hi: input.name });"),
 *   );
 * const result = await wf.execute({ name: 'Ada' }, { runner: new LightRunClient({ url, token }) });
 * @module
 */

// One named export per line group, sorted by module path (biome keeps the order). Definition
// side: conditions, errors, files, helpers, model, schema, validation. Execution side:
// execution, client, local.

export {
  LightRunHttpError,
  LightRunProtocolError,
  LightRunUnreachableError,
  RequestTooLargeError,
} from './client/errors.ts';
export type { FetchLike } from './client/http.ts';
export type { LightRunClientOptions } from './client/light-run-client.ts';
export { LightRunClient } from './client/light-run-client.ts';
export type { RetryPolicy } from './client/retry.ts';
export type { HealthResponse, InfoResponse, LogLineResponse, RunStateResponse } from './client/wire.ts';
export type { RunBody, StopBody } from './client/wire-types.ts';
export { conditionLabel } from './conditions/condition-label.ts';
export { evaluateCondition } from './conditions/evaluate.ts';
export type { Operator } from './conditions/operators.ts';
export { OPERATORS } from './conditions/operators.ts';
export { validateCondition } from './conditions/validate-condition.ts';
export type {
  ErrorSubject,
  LightProcessErrorCode,
  LightProcessErrorJSON,
  LightProcessErrorOptions,
} from './errors.ts';
export {
  ConditionError,
  DefinitionError,
  LightProcessError,
  NodeFilesError,
  UsageError,
  WorkflowFileError,
  WorkflowValidationError,
} from './errors.ts';
export type { EnvOwner, EnvPolicy, EnvSource } from './execution/env-policy.ts';
export { NEVER_PASSED_ENV, resolveEnvNames, resolveWorkflowEnv } from './execution/env-policy.ts';
export { executeWorkflow } from './execution/execute.ts';
export type { MemoryStepContext, MemoryStepHandler, MemoryStepResult } from './execution/memory-runner.ts';
export { InMemoryRunner } from './execution/memory-runner.ts';
export { nodeRequest, PLACEHOLDER_FILE, scopedNetworkName } from './execution/node-request.ts';
export { normalizeOutput, OUTPUT_FILE } from './execution/output-channel.ts';
export type { ProgressPrinter, ProgressPrinterOptions } from './execution/progress-printer.ts';
export { createProgressPrinter } from './execution/progress-printer.ts';
export type { Activation, ConditionEvaluator, Progress } from './execution/scheduler.ts';
export { Scheduler } from './execution/scheduler.ts';
export type {
  NetworkOptions,
  RunLease,
  RunStepOptions,
  ServiceOptions,
  StepLogLine,
  StepOutcome,
  StepRunner,
  StepStatus,
} from './execution/step-runner.ts';
export type {
  ExecuteOptions,
  NodeLogLine,
  NodeResult,
  NodeStatus,
  WorkflowError,
  WorkflowResult,
} from './execution/types.ts';
export { editLinks } from './files/edit-links.ts';
export type { FoundWorkflow } from './files/find-workflows.ts';
export { findWorkflows } from './files/find-workflows.ts';
export { fixWorkflowFolder } from './files/fix-workflow.ts';
export { loadNodeFromFolder } from './files/load-node.ts';
export type { LoadedWorkflow, LoadOptions } from './files/load-workflow.ts';
export {
  loadWorkflow,
  loadWorkflowFile,
  loadWorkflowFromFolder,
  loadWorkflowWithSources,
  NODE_FILE,
  WORKFLOW_FILE,
} from './files/load-workflow.ts';
export { PACKED_FORMAT, packWorkflow, unpackWorkflow } from './files/pack.ts';
export type { ReadNodeFilesOptions } from './files/read-node-files.ts';
export { DEFAULT_MAX_NODE_BYTES, readNodeFiles } from './files/read-node-files.ts';
export type { SaveOptions } from './files/save-workflow.ts';
export { saveWorkflowToFolder } from './files/save-workflow.ts';
export type { InitNodeResult, ScaffoldOptions } from './helpers/scaffold.ts';
export { initNode, initWorkflow } from './helpers/scaffold.ts';
export { DEFAULT_IMAGES } from './helpers/templates.ts';
export type { HelperLanguage } from './helpers/write-helpers.ts';
export { helperFiles, writeNodeHelpers } from './helpers/write-helpers.ts';
export type { RunnerConnection, RunnerMode } from './local/connect.ts';
export { connectRunner, modeFromEnv } from './local/connect.ts';
export { findLightRunBin } from './local/find-light-run.ts';
export type { LightRunIsolation, LocalLightRun, LocalLightRunOptions } from './local/local-light-run.ts';
export { startLocalLightRun } from './local/local-light-run.ts';
export type {
  Condition,
  LinkDefinition,
  NetworkDef,
  NodeDefinition,
  NodeFile,
  ServiceDefinition,
  WorkflowDefinition,
  WorkflowFile,
  WorkflowNode,
} from './model/definitions.ts';
export { nodeDefinition, workflowDefinition, workflowFile } from './model/definitions.ts';
export { describeWorkflow, entryNodes, toMermaid } from './model/describe.ts';
export type { LinkOptions } from './model/link.ts';
export { Link } from './model/link.ts';
export type { WithFileOptions } from './model/node.ts';
export { Node } from './model/node.ts';
export type { WorkflowInit } from './model/workflow.ts';
export { Workflow } from './model/workflow.ts';
export type { LightServeClientOptions } from './remote/light-serve-client.ts';
export { LightServeClient, RemoteError } from './remote/light-serve-client.ts';
export type { RemoteProfile, RemotesFile } from './remote/remote-config.ts';
export { readRemotes, remotesPath, writeRemotes } from './remote/remote-config.ts';
export type { ResolvedRemote } from './remote/resolve-remote.ts';
export { resolveRemote } from './remote/resolve-remote.ts';
export { compileJsonSchema, createAjv } from './schema/compile.ts';
export type { JsonSchema } from './schema/schema.ts';
export { Schema } from './schema/schema.ts';
export type { ApiErrorBody, ApiErrorCode } from './server/api-error.ts';
export { API_ERRORS, ApiError } from './server/api-error.ts';
export type { LightServer } from './server/app.ts';
export { createLightServer } from './server/app.ts';
export type {
  LogEvent,
  NodeFinishedEvent,
  NodeStartedEvent,
  RunEvent,
  RunFinishedEvent,
} from './server/event-types.ts';
export type { OpenApiDocument } from './server/openapi.ts';
export type { LightServerOptions, ServerRunner } from './server/options.ts';
export type { ExecuteFunction } from './server/run-registry.ts';
export type { HistoryStoreOptions, InterruptedRun, NodeEnd } from './store/history-store.ts';
export { HistoryStore } from './store/history-store.ts';
export type {
  ListRunsQuery,
  NodeRecord,
  NodeRunStatus,
  RetentionOptions,
  RunPage,
  RunRecord,
  RunStatus,
  RunSummary,
  StoredError,
  StoredLogLine,
} from './store/types.ts';
export { assertValidWorkflow } from './validation/assert-valid.ts';
export type { Problem, ProblemCode } from './validation/problem.ts';
export type { ValidateOptions } from './validation/validate-workflow.ts';
export { validateWorkflow } from './validation/validate-workflow.ts';
