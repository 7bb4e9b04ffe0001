import { LightProcessError } from '../../definition/errors.ts';
import { formatBytes } from '../../files/read-node-files.ts';

/** light-run cannot be reached: connection refused, unknown host, or no answer in time. */
export class LightRunUnreachableError extends LightProcessError {
  /** The URL that was called. */
  readonly url: string;

  constructor(url: string, reason: string, options: { cause?: unknown } = {}) {
    super('LIGHT_RUN_UNREACHABLE', `cannot reach light-run at ${url} (${reason})`, {
      ...options,
      details: { url, reason },
    });
    this.url = url;
  }
}

/** light-run answered with an HTTP error; carries the status and the code and message of its body. */
export class LightRunHttpError extends LightProcessError {
  /** HTTP status. */
  readonly status: number;
  /** The `error.code` light-run answered with (or `HTTP_<status>` when the body had none). */
  readonly remoteCode: string;
  /** The URL that was called. */
  readonly url: string;

  constructor(url: string, status: number, remoteCode: string, remoteMessage: string, details?: unknown) {
    super('LIGHT_RUN_HTTP', `light-run ${url} answered ${status} ${remoteCode}: ${remoteMessage}`, {
      details: { url, status, code: remoteCode, message: remoteMessage, ...(details ? { details } : {}) },
    });
    this.status = status;
    this.remoteCode = remoteCode;
    this.url = url;
  }
}

/**
 * A `POST /run` body over light-run's body limit: refused before sending, or answered 413.
 * Code `NODE_FILES_TOO_LARGE`; the executor adds the node's id.
 */
export class RequestTooLargeError extends LightProcessError {
  /** Size of the JSON body, in bytes. */
  readonly bytes: number;
  /** light-run's body limit, in bytes; null when light-run refused with a 413 without saying. */
  readonly maxBytes: number | null;

  constructor(url: string, bytes: number, maxBytes: number | null, options: { cause?: unknown } = {}) {
    const limit = maxBytes === null ? 'the body limit' : `the ${formatBytes(maxBytes)} body limit`;
    const answered = maxBytes === null ? ' (it answered 413)' : '';
    super(
      'NODE_FILES_TOO_LARGE',
      `its request of ${formatBytes(bytes)} (files and input) is over ${limit} of light-run at ${url}${answered}`,
      { ...options, details: { url, bytes, maxBytes } },
    );
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

/** light-run answered, but not with the documented wire shape. */
export class LightRunProtocolError extends LightProcessError {
  constructor(url: string, problem: string, options: { cause?: unknown } = {}) {
    super('LIGHT_RUN_PROTOCOL', `light-run ${url} answered an unexpected body: ${problem}`, options);
  }
}

/** A short human reason for a failed `fetch` (connection refused, host not found, timed out...). */
export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'aborted';
  }
  const code = errorCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    default:
      return code ?? innermostMessage(error);
  }
}

function innermostMessage(error: unknown): string {
  // `fetch failed` says nothing: the innermost cause says why (e.g. `bad port`).
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

function errorCode(error: unknown): string | undefined {
  // undici wraps the socket error: TypeError('fetch failed', { cause: { code } }), sometimes twice.
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
