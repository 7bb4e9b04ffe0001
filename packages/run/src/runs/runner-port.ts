import type { RunHandle, RunRequest, RunResult } from 'light-runner';
import type { LogLineWire } from '../api/schemas.ts';

/** What light-run reads back from the runner's own record of a run. */
export interface RunnerRunView {
  id: string;
  status: string;
  detached: boolean;
  error?: { code: string; message: string };
}

/** Receives a container's output line by line. */
export interface LogOptions {
  onLog?: (line: LogLineWire) => void;
  /** Swarm backend: the node the run was placed on. */
  onNode?: (node: string) => void;
}

/**
 * The part of light-runner's `DockerRunner` that light-run uses. Declared here so the run
 * manager states its needs in one place; `DockerRunner` satisfies it.
 */
export interface RunnerPort {
  run(request: RunRequest, options?: LogOptions): RunHandle;
  /** Reserves a warm container for a request and answers the id to run it under; undefined: run cold. */
  reserve?(request: RunRequest): string | undefined;
  /** Gives back a reservation that will not run; `discard` when a run was recorded under its id (the id is spent). */
  unreserve?(id: string, options?: { discard?: boolean }): void;
  attach(id: string, options?: LogOptions): Promise<RunHandle>;
  get(id: string): Promise<RunnerRunView | undefined> | RunnerRunView | undefined;
  remove(id: string): Promise<unknown>;
  reapOrphans(): Promise<unknown>;
}

export type { RunHandle, RunRequest, RunResult };
