import type { Problem } from './problem.ts';

/**
 * Every code a `LightProcessError` can carry. A closed union: callers switch on it.
 * Definition-side codes come first; execution-side codes are appended below them.
 */
export type LightProcessErrorCode =
  // definition: files, model, validation
  /** A workflow path does not exist or holds no workflow. */
  | 'WORKFLOW_NOT_FOUND'
  /** A workflow.json, .node.json or packed file is not valid JSON or not the expected shape. */
  | 'WORKFLOW_FILE_INVALID'
  /** The workflow parsed but has problems (see `WorkflowValidationError.problems`). */
  | 'WORKFLOW_INVALID'
  /** A definition built in code does not match the schema. */
  | 'DEFINITION_INVALID'
  /** A node file cannot be shipped (symlink, path outside the node folder, unreadable). */
  | 'NODE_FILE_REFUSED'
  /** A node's files exceed the size limit. */
  | 'NODE_FILES_TOO_LARGE'
  /** A `when` condition cannot be evaluated (unknown operator, invalid regex). */
  | 'CONDITION_INVALID'
  /** A file system operation failed (the message names the path). */
  | 'FILE_SYSTEM'
  /** A CLI argument or option is wrong. */
  | 'USAGE'
  // execution: client, executor, local light-run
  /** light-run cannot be reached (connection refused, DNS, timeout). */
  | 'LIGHT_RUN_UNREACHABLE'
  /** light-run answered with an HTTP error (see `status` and `remoteCode`). */
  | 'LIGHT_RUN_HTTP'
  /** light-run answered something that is not the documented wire shape. */
  | 'LIGHT_RUN_PROTOCOL'
  /** The local light-run could not be found, started or stopped. */
  | 'LOCAL_LIGHT_RUN'
  /** A node names an environment variable that the light-process environment lacks. */
  | 'ENV_MISSING'
  /** The workflow input does not match the workflow's `inputs` schema. */
  | 'INPUT_INVALID'
  /** A network or service of the run scope could not be set up. */
  | 'RUN_SCOPE_FAILED'
  /** A remote `light serve` cannot be reached (connection refused, DNS, timeout). */
  | 'LIGHT_SERVE_UNREACHABLE'
  /** A remote `light serve` answered an error that is not the caller's to fix (5xx, unknown code). */
  | 'REMOTE_FAILED'
  /** A run cannot be resumed: still running, succeeded, or a node whose output it would reuse changed. */
  | 'RESUME_REFUSED';

/** What names the subject of an error; every field optional. */
export interface ErrorSubject {
  /** The node the error is about. */
  nodeId?: string;
  /** The file the error is about (as given by the caller, often relative). */
  file?: string;
  /** Dotted field path inside the file or definition, e.g. `links[1].to`. */
  field?: string;
}

/** Options of `LightProcessError`. */
export interface LightProcessErrorOptions extends ErrorSubject {
  /** The underlying error. Never serialised by `toJSON()`. */
  cause?: unknown;
  /** Extra machine-readable information, serialised by `toJSON()`. */
  details?: unknown;
}

/** The JSON form of an error: no stack, no cause. */
export interface LightProcessErrorJSON extends ErrorSubject {
  name: string;
  code: LightProcessErrorCode;
  message: string;
  details?: unknown;
}

/** Base class of every error light-process raises. */
export class LightProcessError extends Error {
  /** Machine-readable code. */
  readonly code: LightProcessErrorCode;
  /** The node the error is about, when there is one. */
  readonly nodeId: string | undefined;
  /** The file the error is about, when there is one. */
  readonly file: string | undefined;
  /** The field path the error is about, when there is one. */
  readonly field: string | undefined;
  /** Extra machine-readable information. */
  readonly details: unknown;

  constructor(code: LightProcessErrorCode, message: string, options: LightProcessErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.nodeId = options.nodeId;
    this.file = options.file;
    this.field = options.field;
    this.details = options.details;
  }

  /** A plain object for logs and HTTP bodies: code, message, subject; never the stack or cause. */
  toJSON(): LightProcessErrorJSON {
    const out: LightProcessErrorJSON = { name: this.name, code: this.code, message: this.message };
    if (this.nodeId !== undefined) out.nodeId = this.nodeId;
    if (this.file !== undefined) out.file = this.file;
    if (this.field !== undefined) out.field = this.field;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

/** A workflow file is missing, not JSON, or not the expected shape. Names the file and field. */
export class WorkflowFileError extends LightProcessError {
  constructor(
    message: string,
    options: LightProcessErrorOptions & { code?: 'WORKFLOW_FILE_INVALID' | 'WORKFLOW_NOT_FOUND' } = {},
  ) {
    super(options.code ?? 'WORKFLOW_FILE_INVALID', message, options);
  }
}

/** A definition built in code does not match the schema. Names the field. */
export class DefinitionError extends LightProcessError {
  constructor(message: string, options: LightProcessErrorOptions = {}) {
    super('DEFINITION_INVALID', message, options);
  }
}

/** The workflow has problems; `problems` lists all of them, the message too. */
export class WorkflowValidationError extends LightProcessError {
  /** Every problem found, in a stable order. */
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[], options: { file?: string } = {}) {
    const where = options.file ? ` in ${options.file}` : '';
    // Each line ends with where to look: the file (when loaded from disk) and the field path.
    const at = (p: Problem) => [p.file, p.path].filter(Boolean).join(' ');
    const list = problems.map((p) => `  - ${p.message}${at(p) ? ` (at ${at(p)})` : ''}`).join('\n');
    super('WORKFLOW_INVALID', `workflow has ${problems.length} problem(s)${where}:\n${list}`, {
      ...options,
      details: { problems },
    });
    this.problems = problems;
  }
}

/** A node's files cannot be shipped: a symlink, an unreadable file, or too many bytes. */
export class NodeFilesError extends LightProcessError {
  constructor(
    code: 'NODE_FILE_REFUSED' | 'NODE_FILES_TOO_LARGE',
    message: string,
    options: LightProcessErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** A `when` condition cannot be evaluated. */
export class ConditionError extends LightProcessError {
  constructor(message: string, options: LightProcessErrorOptions = {}) {
    super('CONDITION_INVALID', message, options);
  }
}

/** A CLI argument or option is wrong (exit code 2). */
export class UsageError extends LightProcessError {
  constructor(message: string, options: LightProcessErrorOptions = {}) {
    super('USAGE', message, options);
  }
}

/** Wraps a file system failure with the path it was about, keeping the cause. */
export function fileSystemError(action: string, path: string, cause: unknown): LightProcessError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new LightProcessError('FILE_SYSTEM', `cannot ${action} ${path}: ${reason}`, { file: path, cause });
}
