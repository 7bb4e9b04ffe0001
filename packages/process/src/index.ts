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

// The SDK's surface: definitions, files, checks, the engine's entry (`executeWorkflow`), the
// light-run client and the errors, plus the client of a remote light serve and the types of
// its answers (type-only: nothing of the server loads). The server, the history store and
// the internals are `light-process/server` (src/server.ts). One named export per line group,
// sorted by module path (biome keeps the order).

export {
  LightRunHttpError,
  LightRunProtocolError,
  LightRunUnreachableError,
  RequestTooLargeError,
} from './adapters/light-run/errors.ts';
export type { FetchLike } from './adapters/light-run/http.ts';
export type { LightRunClientOptions } from './adapters/light-run/light-run-client.ts';
export { LightRunClient } from './adapters/light-run/light-run-client.ts';
export type { RunnerConnection, RunnerMode } from './adapters/light-run/local/connect.ts';
export { connectRunner, modeFromEnv } from './adapters/light-run/local/connect.ts';
export { findLightRunBin } from './adapters/light-run/local/find-light-run.ts';
export type {
  LightRunIsolation,
  LocalLightRun,
  LocalLightRunOptions,
} from './adapters/light-run/local/local-light-run.ts';
export { startLocalLightRun } from './adapters/light-run/local/local-light-run.ts';
export type { RetryPolicy } from './adapters/light-run/retry.ts';
export type {
  HealthResponse,
  InfoResponse,
  LogLineResponse,
  RunStateResponse,
} from './adapters/light-run/wire.ts';
export type {
  MemoryStepContext,
  MemoryStepHandler,
  MemoryStepResult,
} from './adapters/memory/memory-runner.ts';
export { InMemoryRunner } from './adapters/memory/memory-runner.ts';
export { conditionLabel } from './definition/conditions/condition-label.ts';
export { evaluateCondition } from './definition/conditions/evaluate.ts';
export type { Operator } from './definition/conditions/operators.ts';
export { OPERATORS } from './definition/conditions/operators.ts';
export { validateCondition } from './definition/conditions/validate-condition.ts';
export type {
  CachePolicy,
  Condition,
  LinkDefinition,
  MapDefinition,
  NetworkDef,
  NodeDefinition,
  NodeFile,
  NodeRetryPolicy,
  RetryOn,
  ServiceDefinition,
  WorkflowDefinition,
  WorkflowDefinitionInput,
  WorkflowFile,
  WorkflowNode,
} from './definition/definitions.ts';
export { nodeDefinition, RETRY_ON, workflowDefinition, workflowFile } from './definition/definitions.ts';
export { describeWorkflow, entryNodes, toMermaid } from './definition/describe.ts';
export type {
  ErrorSubject,
  LightProcessErrorCode,
  LightProcessErrorJSON,
  LightProcessErrorOptions,
} from './definition/errors.ts';
export {
  ConditionError,
  DefinitionError,
  LightProcessError,
  NodeFilesError,
  UsageError,
  WorkflowFileError,
  WorkflowValidationError,
} from './definition/errors.ts';
export type { Problem, ProblemCode } from './definition/problem.ts';
export { compileJsonSchema, createAjv } from './definition/schema/compile.ts';
export type { JsonSchema } from './definition/schema/schema.ts';
export { Schema } from './definition/schema/schema.ts';
export type { TriggerView } from './definition/triggers/trigger-view.ts';
export { nextFireTimes, triggerViews } from './definition/triggers/trigger-view.ts';
export type {
  CatchUpPolicy,
  ConcurrencyDefinition,
  OnLimitPolicy,
  RunTrigger,
  ScheduleTrigger,
  TriggerDefinition,
  WebhookTrigger,
} from './definition/triggers/triggers.ts';
export type { RunBody, StopBody } from './definition/wire-types.ts';
export type { EnvOwner, EnvPolicy, EnvSource } from './engine/env-policy.ts';
export { NEVER_PASSED_ENV, resolveEnvNames, resolveWorkflowEnv } from './engine/env-policy.ts';
export { executeWorkflow } from './engine/execute.ts';
export type { NodeCache, NodeCacheEntry } from './engine/node-cache.ts';
export { nodeCacheKey } from './engine/node-cache.ts';
export type { PreparedRun, PrepareOptions } from './engine/prepare.ts';
export { prepareRun } from './engine/prepare.ts';
export type {
  NetworkOptions,
  RunLease,
  RunStepOptions,
  ServiceOptions,
  StepLogLine,
  StepOutcome,
  StepRunner,
  StepStatus,
} from './engine/step-runner.ts';
export type {
  ElementResult,
  ExecuteOptions,
  MapProgress,
  NodeErrorCode,
  NodeLogLine,
  NodeResult,
  NodeRetryEvent,
  NodeStatus,
  TeardownErrorCode,
  WorkflowError,
  WorkflowErrorCode,
  WorkflowResult,
} from './engine/types.ts';
export type { RemoteRunEvent } from './faces/remote/follow-events.ts';
export type { LightServeClientOptions, RemoteRunRecord } from './faces/remote/light-serve-client.ts';
export { LightServeClient } from './faces/remote/light-serve-client.ts';
export { RemoteError } from './faces/remote/remote-error.ts';
export type {
  LogEvent,
  NodeFinishedEvent,
  NodeStartedEvent,
  RunEvent,
  RunFinishedEvent,
} from './faces/server/event-types.ts';
export type {
  NodeRecord,
  NodeRunStatus,
  RunPage,
  RunRecord,
  RunStatus,
  RunSummary,
  StoredError,
  StoredErrorCode,
  StoredLogLine,
} from './faces/server/store/types.ts';
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
export type { InitNodeResult, ScaffoldOptions } from './files/scaffold.ts';
export { initNode, initWorkflow } from './files/scaffold.ts';
export { DEFAULT_IMAGES } from './helpers/templates.ts';
export type { HelperLanguage } from './helpers/write-helpers.ts';
export { helperFiles, writeNodeHelpers } from './helpers/write-helpers.ts';
export type { LinkOptions } from './sdk/link.ts';
export { Link } from './sdk/link.ts';
export type { WithFileOptions } from './sdk/node.ts';
export { Node } from './sdk/node.ts';
export type { ProgressPrinter, ProgressPrinterOptions } from './sdk/progress-printer.ts';
export { createProgressPrinter } from './sdk/progress-printer.ts';
export type { WorkflowInit } from './sdk/workflow.ts';
export { Workflow } from './sdk/workflow.ts';
export { assertValidWorkflow } from './validation/assert-valid.ts';
export type { ValidateOptions } from './validation/validate-workflow.ts';
export { validateWorkflow } from './validation/validate-workflow.ts';
