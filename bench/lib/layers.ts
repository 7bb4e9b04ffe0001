import type { ExecuteOptions, WorkflowDefinition, WorkflowResult } from 'light-process';
import type { FetchLike } from './trace.ts';

// The layers are loaded lazily, one by one: a layer that is not there yet (or does not
// load) disables the sections that need it, and the report says so, instead of stopping
// the whole benchmark.

/** What the benchmark uses of light-runner. */
export type RunnerModule = typeof import('light-runner');

/** A `StepRunner` as `executeWorkflow` takes it. */
export type StepRunnerLike = ExecuteOptions['runner'];

/** What the benchmark uses of light-process. */
export interface ProcessLayer {
  executeWorkflow: (
    definition: WorkflowDefinition,
    input: unknown,
    options: ExecuteOptions,
  ) => Promise<WorkflowResult>;
  /** `new LightRunClient({ url, token, fetch })`, when the package exports it. */
  LightRunClient?: new (options: {
    url: string;
    token?: string;
    fetch?: FetchLike;
  }) => StepRunnerLike;
}

/** light-runner, or why it cannot be used. */
export async function loadRunner(): Promise<RunnerModule | string> {
  try {
    const mod = await import('light-runner');
    if (typeof mod.DockerRunner !== 'function') return 'light-runner exports no DockerRunner yet';
    return mod;
  } catch (err) {
    return `light-runner does not load: ${(err as Error).message.split('\n')[0]}`;
  }
}

/** light-process, or why it cannot be used. */
export async function loadProcess(): Promise<ProcessLayer | string> {
  try {
    const mod = (await import('light-process')) as unknown as Record<string, unknown>;
    const executeWorkflow = mod.executeWorkflow as ProcessLayer['executeWorkflow'] | undefined;
    if (typeof executeWorkflow !== 'function') return 'light-process exports no executeWorkflow yet';
    const layer: ProcessLayer = { executeWorkflow };
    if (typeof mod.LightRunClient === 'function') {
      layer.LightRunClient = mod.LightRunClient as NonNullable<ProcessLayer['LightRunClient']>;
    }
    return layer;
  } catch (err) {
    return `light-process does not load: ${(err as Error).message.split('\n')[0]}`;
  }
}
