import type { Execution } from './execution.ts';
import type { Outcome } from './finalize.ts';
import type { RunContext } from './run-context.ts';
import type { ValidRequest } from './validate-request.ts';

/**
 * Where a run's container comes from: the cold path creates one, the warm pool hands over
 * a parked one. Everything else about a run (record, timeout, cancel, logs, disk watch,
 * wait, finalize) is the one launch path, whatever the source.
 */
export interface ContainerSource {
  /**
   * Puts the container in place with the request's files and returns its attached stream
   * (stdin when the source needs it, multiplexed stdout/stderr). Sets `state.containerId`
   * (and tells `exec`) as soon as a container exists, so a later failure still removes it.
   * Undefined when the run was stopped before any container existed.
   */
  open(
    ctx: RunContext,
    exec: Execution,
    req: ValidRequest,
    state: Outcome,
  ): Promise<NodeJS.ReadWriteStream | undefined>;
  /** Makes the container run (cold: the engine's start; pooled: already running, nothing to do). */
  start(ctx: RunContext, containerId: string, req: ValidRequest): Promise<void>;
  /** Lets the program go and gives it its stdin (the pooled release line, then the input). */
  feed(stream: NodeJS.ReadWriteStream, req: ValidRequest): void;
}
