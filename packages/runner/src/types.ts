/** A file placed into the container: UTF-8 text, or base64 for binary content. */
export type FileContent = string | { content: string; encoding: 'utf8' | 'base64'; mode?: number };

/** Final and intermediate states of a run. `queued` is used by callers that queue runs. */
export type RunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled' | 'timeout';

/** Statuses after which nothing changes any more. */
export type TerminalStatus = 'succeeded' | 'failed' | 'cancelled' | 'timeout';

/**
 * Host files copied into the container before it starts, streamed from disk as one tar
 * archive (never held in memory whole). Each path must be a regular file: a symlink at any
 * step of the way is refused.
 */
export interface HostFiles {
  /** Absolute host directory the paths are read from. */
  from: string;
  /** Paths relative to `from` (no `..`, not absolute). */
  paths: string[];
  /** Directory, relative to the workdir, the paths land under (keeping their relative paths); '' is the workdir. */
  to: string;
}

/** One request for one hardened container. */
export interface RunRequest {
  /** Image reference, e.g. `localhost/light-sh` or `node:22-alpine`. Pulled when missing. */
  image: string;
  /** Files written under `workdir` before start: relative path -> content. */
  files?: Record<string, FileContent>;
  /** Main command, run with `sh -c`. Absent: the image's own command runs. */
  entrypoint?: string;
  /** Commands chained with `&&` before the entrypoint. */
  setup?: string[];
  /** JSON value written to the container's stdin, after which stdin is closed. */
  input?: unknown;
  /** Environment variables, passed literally (no shell expansion). */
  env?: Record<string, string>;
  /** Working directory inside the container. @default '/app' */
  workdir?: string;
  /**
   * Networks: the first is primary, the rest are connected after creation.
   * `['none']` runs fully offline. Empty or absent: the runner's isolated default bridge.
   */
  networks?: string[];
  /** Kill the container and end with status `timeout` after this long. 0 or absent: no timeout. */
  timeoutMs?: number;
  /** Container paths copied out after a successful exit (files or directories). */
  extract?: string[];
  /**
   * Globs relative to the workdir (`report.pdf`, `out/*.csv`) copied out after a successful
   * exit, like `extract`. A pattern that matches no regular file, or that matches a
   * symlink, fails the run (`ARTIFACT_NO_MATCH`, `ARTIFACT_REFUSED`).
   */
  artifacts?: string[];
  /** Host files streamed into the container (after `files`) before it starts; a run with them never takes a warm container. */
  copyIn?: HostFiles[];
  /** Persist the run so that another process can re-attach, stop, pause or resume it. */
  detached?: boolean;
  /** Caller-chosen run id (letters, digits, `-`); generated when absent. Used as the hostname. */
  id?: string;
  /** Extra labels for the container (the runner's own labels always win). */
  labels?: Record<string, string>;
}

/** One line a container printed. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  line: string;
  /** ISO-8601 time the line was read. */
  time: string;
}

/** A file copied out of the container into the artifact directory. */
export interface Artifact {
  /** Path relative to the run's artifact directory (workdir-relative when under workdir). */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Media type guessed from the extension. */
  type: string;
}

/** A typed failure carried inside a result. */
export interface RunFailure {
  code: string;
  message: string;
}

/** What a finished run looks like. */
export interface RunResult {
  id: string;
  status: TerminalStatus;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string;
  durationMs: number;
  artifacts: Artifact[];
  error?: RunFailure;
}

/** A live run. */
export interface RunHandle {
  readonly id: string;
  /** Resolves with the final state; never rejects (failures are in `status`/`error`). */
  readonly result: Promise<RunResult>;
  /** Kill at once; status `cancelled`. */
  cancel(): Promise<void>;
  /** Send `signal` (default SIGTERM), wait `graceMs` (default 10 000), then kill; status `cancelled`. */
  stop(options?: { signal?: string; graceMs?: number }): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
}
