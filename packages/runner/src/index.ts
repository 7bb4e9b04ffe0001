export type { RunnerEnforcement } from './enforcement/runner-enforcement.ts';
export type { PullProgress } from './engine/pull-image.ts';
export type { ErrorSubject, LightRunnerErrorCode } from './errors.ts';
export {
  ArtifactError,
  ContainerError,
  ContainerLostError,
  EngineRequestError,
  EngineUnreachableError,
  ExtractTooLargeError,
  ImageUnavailableError,
  InvalidRequestError,
  LightRunnerError,
  NetworkInUseError,
  NetworkNotFoundError,
  RunActiveError,
  RunNotActiveError,
  RunNotFoundError,
  StateCorruptError,
  StateWriteError,
} from './errors.ts';
export { artifactGlobMatcher } from './files/artifact-globs.ts';
export type { FileTreeProblem } from './files/file-tree.ts';
export {
  DEFAULT_FILE_MODE,
  FILE_MODE_MASK,
  fileModeOf,
  fileTreeProblem,
  MAX_DIRECTORIES,
  MAX_FILE_MODE,
  MAX_FILES,
} from './files/file-tree.ts';
export { relativePathProblem } from './files/paths.ts';
export { LABELS, MANAGED_FILTER } from './labels.ts';
export type { NetworkCleanupOptions, NetworkCreateOptions } from './network/network-manager.ts';
export { NetworkManager } from './network/network-manager.ts';
export type { WarmPoolOptions } from './pool/pool-options.ts'; // warm-pool hook
export { DROPPED_CAPABILITIES } from './run/container-spec.ts';
export type { RunnerSettings, RunOptions } from './run/docker-runner.ts';
export { DockerRunner } from './run/docker-runner.ts';
export type { DockerRunnerOptions } from './run/options.ts';
export {
  DEFAULT_DISK_BYTES,
  DEFAULT_MAX_EXTRACT_BYTES,
  DEFAULT_MEMORY_BYTES,
  DEFAULT_NETWORK,
} from './run/options.ts';
export type { ReapReport } from './run/reaper.ts';
export type { RunRecord } from './state/run-record.ts';
export type { SwarmNode, SwarmRunnerOptions, SwarmRunOptions } from './swarm/swarm-runner.ts';
export { SwarmRunner } from './swarm/swarm-runner.ts';
export type {
  Artifact,
  FileContent,
  HostFiles,
  LogLine,
  RunFailure,
  RunHandle,
  RunRequest,
  RunResult,
  RunStatus,
  TerminalStatus,
} from './types.ts';
