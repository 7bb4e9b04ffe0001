/**
 * The one error catalogue of light-run: every code an HTTP error can carry, with its
 * status. The error handler answers with exactly these codes; nothing else decides a status.
 */
export const ERROR_CATALOGUE = {
  /** The body, a query or a path parameter failed validation. */
  INVALID_REQUEST: 400,
  /** The body is not parseable JSON. */
  INVALID_JSON: 400,
  /** A run names a network it may not join (Docker's host or bridge, or one this light-run did not create). */
  NETWORK_NOT_ALLOWED: 400,
  /** Missing or wrong bearer token. */
  UNAUTHORIZED: 401,
  /** A browser's cross-origin request (an `Origin` other than this server) on a route that changes state. */
  ORIGIN_NOT_ALLOWED: 403,
  /** No route for this method and path. */
  NOT_FOUND: 404,
  /** No run with this id. */
  RUN_NOT_FOUND: 404,
  /** The run has no artifact at this path. */
  ARTIFACT_NOT_FOUND: 404,
  /** No upload with this id (never made, or deleted). */
  UPLOAD_NOT_FOUND: 404,
  /** A mount's glob matched none of the run's artifacts. */
  MOUNT_NO_MATCH: 400,
  /** An upload holds a symlink, a hard link, a device, or a path with `..`. */
  UPLOAD_INVALID: 400,
  /** A mount names a run that has not finished, or did not succeed. */
  MOUNT_NOT_READY: 409,
  /** An upload would take the artifact store (artifacts and uploads) past its cap. */
  ARTIFACT_STORE_FULL: 413,
  /** No network with this name. */
  NETWORK_NOT_FOUND: 404,
  /** No live lease with this id (never created, expired or released). */
  LEASE_NOT_FOUND: 404,
  /** The route exists, the method does not. */
  METHOD_NOT_ALLOWED: 405,
  /** The run is not queued, running or paused (cancel, stop, pause, resume). */
  RUN_NOT_ACTIVE: 409,
  /** The run is still queued, running or paused (delete). */
  RUN_ACTIVE: 409,
  /** Containers are still attached to the network. */
  NETWORK_IN_USE: 409,
  /** The run's artifacts were evicted to keep the artifact store under its cap. */
  ARTIFACTS_EVICTED: 410,
  /** The body is larger than the configured limit. */
  BODY_TOO_LARGE: 413,
  /** The body is not `application/json`. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The `Host` header names no interface this server listens on and no `--allowed-hosts` entry (DNS rebinding). */
  HOST_NOT_ALLOWED: 421,
  /** Something failed inside light-run or the engine; the message says what. */
  INTERNAL: 500,
  /** The Docker engine does not answer. */
  ENGINE_UNREACHABLE: 503,
  /** light-run is shutting down and takes no new runs. */
  SHUTTING_DOWN: 503,
  /** As many services run as `--max-services` allows; the new one is refused, not queued. */
  TOO_MANY_SERVICES: 503,
  /** A record, state file or log could not be written (e.g. ENOSPC: the disk is full). */
  STATE_WRITE_FAILED: 507,
} as const satisfies Record<string, number>;

/** Every code an HTTP error of light-run can carry. */
export type LightRunErrorCode = keyof typeof ERROR_CATALOGUE;

/** The HTTP status of a catalogue code. */
export function statusOf(code: LightRunErrorCode): number {
  return ERROR_CATALOGUE[code];
}

/** Whether a string (e.g. a light-runner error code) is also a catalogue code. */
export function isCatalogueCode(code: string): code is LightRunErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}
