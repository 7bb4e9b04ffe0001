import type { StepRunnerLike } from './layers.ts';

type RunStep = StepRunnerLike['runStep'];

/**
 * A step runner that finishes every step at once with `{}` as output: what is left to time
 * is the executor itself. light-process's exported InMemoryRunner records every call and
 * runs a handler per step, work this measurement must leave out; this one implements the
 * same interface `executeWorkflow` takes and does nothing else.
 */
export class InstantRunner implements StepRunnerLike {
  steps = 0;

  async runStep(...[, options]: Parameters<RunStep>): ReturnType<RunStep> {
    const runId = `instant-${++this.steps}`;
    options?.onStart?.(runId);
    return { runId, status: 'succeeded', exitCode: 0, durationMs: 0, outputBytes: null };
  }

  async startService(): Promise<{ id: string }> {
    return { id: `instant-service-${++this.steps}` };
  }

  async stopService(): Promise<void> {}

  async createNetwork(): Promise<boolean> {
    return true;
  }

  async deleteNetwork(): Promise<void> {}
}
