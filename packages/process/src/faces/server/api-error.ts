/** Every error code the REST API answers with, and its HTTP status. */
export const API_ERRORS = {
  /** A body, query or path parameter does not match its schema. */
  INVALID_REQUEST: 400,
  /** A workflow was sent but failed validation (details list the problems). */
  WORKFLOW_INVALID: 400,
  /** The run input does not match the workflow's `inputs` schema. */
  INPUT_INVALID: 400,
  /** The workflow needs environment variables the server does not have or does not pass (its allow-list). */
  ENV_MISSING: 400,
  /** The body is not valid JSON. */
  INVALID_JSON: 400,
  /** No or a wrong API key. */
  UNAUTHORIZED: 401,
  /** A webhook call whose signature is missing, wrong, stale or replayed (or the server has no secret for it). */
  SIGNATURE_INVALID: 401,
  /** The `Host` header does not name this server (a DNS rebinding page, a wrong name): see `--allowed-hosts`. */
  HOST_NOT_ALLOWED: 403,
  /** A write (POST, PUT, DELETE) came from a web page of another origin. */
  ORIGIN_NOT_ALLOWED: 403,
  /** No workflow with that id. */
  WORKFLOW_NOT_FOUND: 404,
  /** No run with that id. */
  RUN_NOT_FOUND: 404,
  /** The run has no node with that id (it is not in the workflow, or never started). */
  NODE_NOT_FOUND: 404,
  /** No schedule at that index of that workflow's `triggers`. */
  SCHEDULE_NOT_FOUND: 404,
  /** No route for that method and path. */
  ROUTE_NOT_FOUND: 404,
  /** The node kept no artifact at that path. */
  ARTIFACT_NOT_FOUND: 404,
  /** The node's artifacts are gone from light-run (deleted with their run, or evicted under its cap). */
  ARTIFACTS_GONE: 410,
  /** This server's runner cannot serve artifacts. */
  NOT_AVAILABLE: 501,
  /** A workflow with that id is already registered. */
  WORKFLOW_EXISTS: 409,
  /** The run has already finished. */
  RUN_FINISHED: 409,
  /** The workflow is at its `concurrency.limit` and its `onLimit` is `skip`: the run was not started. */
  CONCURRENCY_LIMIT: 409,
  /** The run cannot be resumed: still running, succeeded, or a node whose output it would reuse changed. */
  NOT_RESUMABLE: 409,
  /** The body is larger than the server accepts. */
  BODY_TOO_LARGE: 413,
  /** A request body that is not `application/json`. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The server is shutting down and takes no new runs. */
  SHUTTING_DOWN: 503,
  /** Anything else; the server log has the details. */
  INTERNAL: 500,
} as const;

/** A code from `API_ERRORS`. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** The one JSON shape every error leaves the API in. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown };
}

/** An error a route answers with: its code decides the HTTP status. */
export class ApiError extends Error {
  /** Machine-readable code. */
  readonly code: ApiErrorCode;
  /** HTTP status, from `API_ERRORS`. */
  readonly statusCode: number;
  /** Extra machine-readable information (field issues, validation problems). */
  readonly details: unknown;

  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = API_ERRORS[code];
    this.details = details;
  }

  /** The response body. */
  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}
