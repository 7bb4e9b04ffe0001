/** Every code a {@link LightRunnerError} can carry. */
export type LightRunnerErrorCode =
  | 'ENGINE_UNREACHABLE'
  | 'ENGINE_ERROR'
  | 'IMAGE_UNAVAILABLE'
  | 'CREATE_FAILED'
  | 'START_FAILED'
  | 'COPY_IN_FAILED'
  | 'COPY_OUT_FAILED'
  | 'EXTRACT_TOO_LARGE'
  | 'ARTIFACT_NO_MATCH'
  | 'ARTIFACT_REFUSED'
  | 'INVALID_REQUEST'
  | 'RUN_NOT_FOUND'
  | 'RUN_NOT_ACTIVE'
  | 'RUN_ACTIVE'
  | 'NETWORK_IN_USE'
  | 'NETWORK_NOT_FOUND'
  | 'OUT_OF_MEMORY'
  | 'DISK_LIMIT'
  | 'KILLED'
  | 'CONTAINER_LOST'
  | 'TIMEOUT'
  | 'STATE_CORRUPT'
  | 'FIREWALL_FAILED'
  | 'STATE_WRITE_FAILED';

/** Fields that name the subject of a failure; only the relevant ones are set. */
export interface ErrorSubject {
  runId?: string;
  image?: string;
  path?: string;
  network?: string;
  field?: string;
  limitBytes?: number;
  statusCode?: number;
}

/** Base class of every error light-runner throws or reports. */
export class LightRunnerError extends Error {
  /** Machine-readable code from a closed union. */
  readonly code: LightRunnerErrorCode;
  /** What the failure is about (run id, image, path, ...). */
  readonly subject: ErrorSubject;

  constructor(code: LightRunnerErrorCode, message: string, subject: ErrorSubject = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.subject = subject;
  }

  /** JSON without stack or cause: `{ name, code, message, ...subject }`. */
  toJSON(): { name: string; code: LightRunnerErrorCode; message: string } & ErrorSubject {
    return { name: this.name, code: this.code, message: this.message, ...this.subject };
  }
}

/** The Docker engine did not answer on its socket or host. */
export class EngineUnreachableError extends LightRunnerError {
  constructor(endpoint: string, cause?: unknown) {
    super('ENGINE_UNREACHABLE', `Docker engine unreachable at ${endpoint}: is dockerd running?`, {}, cause);
  }
}

/** The engine answered with an error status that has no more specific meaning here. */
export class EngineRequestError extends LightRunnerError {
  constructor(action: string, statusCode: number | undefined, detail: string, cause?: unknown) {
    super('ENGINE_ERROR', `${action} failed (HTTP ${statusCode ?? '?'}): ${detail}`, { statusCode }, cause);
  }
}

/** The image is neither present nor pullable. */
export class ImageUnavailableError extends LightRunnerError {
  constructor(image: string, reason: string, cause?: unknown) {
    super('IMAGE_UNAVAILABLE', `image ${image} is unavailable: ${reason}`, { image }, cause);
  }
}

/** Creating, starting or copying into/out of the container failed. */
export class ContainerError extends LightRunnerError {
  constructor(
    code: 'CREATE_FAILED' | 'START_FAILED' | 'COPY_IN_FAILED' | 'COPY_OUT_FAILED',
    message: string,
    subject: ErrorSubject,
    cause?: unknown,
  ) {
    super(code, message, subject, cause);
  }
}

/** An artifact glob matched no regular file (`ARTIFACT_NO_MATCH`), or matched a symlink (`ARTIFACT_REFUSED`). */
export class ArtifactError extends LightRunnerError {
  constructor(code: 'ARTIFACT_NO_MATCH' | 'ARTIFACT_REFUSED', message: string, subject: ErrorSubject) {
    super(code, message, subject);
  }
}

/** One extracted entry, or all the entries of one run together, exceed `maxExtractBytes`. */
export class ExtractTooLargeError extends LightRunnerError {
  constructor(path: string, limitBytes: number, scope: 'file' | 'run' = 'file') {
    const message =
      scope === 'file'
        ? `extracted file ${path} exceeds the limit of ${limitBytes} bytes`
        : `extracting ${path} would take the run's extracted files over the limit of ${limitBytes} bytes in total`;
    super('EXTRACT_TOO_LARGE', message, { path, limitBytes });
  }
}

/** The request failed validation; nothing was created. */
export class InvalidRequestError extends LightRunnerError {
  constructor(field: string, problem: string) {
    super('INVALID_REQUEST', `${field}: ${problem}`, { field });
  }
}

/** No record of this run id exists in the state dir. */
export class RunNotFoundError extends LightRunnerError {
  constructor(runId: string) {
    super('RUN_NOT_FOUND', `run ${runId} not found`, { runId });
  }
}

/** The operation needs a run in another state (e.g. pausing a finished run). */
export class RunNotActiveError extends LightRunnerError {
  constructor(runId: string, detail: string) {
    super('RUN_NOT_ACTIVE', `run ${runId}: ${detail}`, { runId });
  }
}

/** The operation needs a finished run (e.g. removing a record). */
export class RunActiveError extends LightRunnerError {
  constructor(runId: string) {
    super('RUN_ACTIVE', `run ${runId} is still active; cancel it first`, { runId });
  }
}

/** The network still has containers attached. */
export class NetworkInUseError extends LightRunnerError {
  constructor(network: string, cause?: unknown) {
    super('NETWORK_IN_USE', `network ${network} is in use by containers`, { network }, cause);
  }
}

/** No such network. */
export class NetworkNotFoundError extends LightRunnerError {
  constructor(network: string, cause?: unknown) {
    super('NETWORK_NOT_FOUND', `network ${network} not found`, { network }, cause);
  }
}

/** A host firewall rule guarding a runner network could not be added. */
export class FirewallError extends LightRunnerError {
  constructor(network: string, detail: string) {
    super('FIREWALL_FAILED', `host firewall for network ${network}: ${detail}`, { network });
  }
}

/** The container of a run that should be running no longer exists. */
export class ContainerLostError extends LightRunnerError {
  constructor(runId: string, detail: string) {
    super('CONTAINER_LOST', `run ${runId}: ${detail}`, { runId });
  }
}

/** A run record on disk does not parse. */
export class StateCorruptError extends LightRunnerError {
  constructor(path: string, detail: string, cause?: unknown) {
    super('STATE_CORRUPT', `run record ${path} is unreadable: ${detail}`, { path }, cause);
  }
}

/** A run record could not be written to the state dir (e.g. ENOSPC: the disk is full). */
export class StateWriteError extends LightRunnerError {
  constructor(path: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('STATE_WRITE_FAILED', `writing run record ${path} failed: ${detail}`, { path }, cause);
  }
}

/** Turns anything thrown into a LightRunnerError (unknown values become `fallback`). */
export function asRunnerError(
  err: unknown,
  fallback: (detail: string) => LightRunnerError,
): LightRunnerError {
  if (err instanceof LightRunnerError) return err;
  return fallback(err instanceof Error ? err.message : String(err));
}

/**
 * The error of one step of a run: typed errors keep their meaning, while a plain engine
 * failure (ENGINE_ERROR) or anything untyped is re-labelled with the step's code.
 */
export function asStepError(
  err: unknown,
  code: 'CREATE_FAILED' | 'START_FAILED' | 'COPY_IN_FAILED' | 'COPY_OUT_FAILED',
  subject: ErrorSubject,
): LightRunnerError {
  if (err instanceof LightRunnerError && err.code !== 'ENGINE_ERROR') return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new ContainerError(code, detail, { ...subject, statusCode: engineStatusOf(err) }, err);
}

function engineStatusOf(err: unknown): number | undefined {
  return err instanceof LightRunnerError ? err.subject.statusCode : undefined;
}
