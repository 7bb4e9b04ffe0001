import type { StepRunnerLike } from './layers.ts';

type RunStep = StepRunnerLike['runStep'];

/**
 * A step runner that finishes every step at once with `{}` as output: what is left to time
 * is the executor itself. light-process has an InMemoryRunner but does not export it (its
 * package exports only "."), so the benchmark carries this one, written to the same
 * interface `executeWorkflow` takes.
 */
export class InstantRunner implements StepRunnerLike {
  steps = 0;

  async runStep(...[, options]: Parameters<RunStep>): ReturnType<RunStep> {
    const runId = `instant-${++this.steps}`;
    options?.onStart?.(runId);
    return { runId, status: 'succeeded', exitCode: 0, durationMs: 0, output: {} };
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
