import { LightProcessError, type LightProcessErrorCode } from '../../definition/errors.ts';
import type { ApiErrorCode } from '../server/api-error.ts';

// Remote error codes that mean the same here (each is an ApiErrorCode and a LightProcessErrorCode).
const PASSED_THROUGH: ReadonlySet<string> = new Set<ApiErrorCode & LightProcessErrorCode>([
  'WORKFLOW_INVALID',
  'WORKFLOW_NOT_FOUND',
  'INPUT_INVALID',
  'ENV_MISSING',
]);
// Remote error codes the user fixes on their side (key, request, names): usage errors. Any
// other code (a 5xx, a code this version does not know) is a remote failure, not a usage error.
const USAGE_CODES: ReadonlySet<string> = new Set<ApiErrorCode>([
  'UNAUTHORIZED',
  'INVALID_REQUEST',
  'INVALID_JSON',
  'ROUTE_NOT_FOUND',
  'RUN_NOT_FOUND',
  'RUN_FINISHED',
  'WORKFLOW_EXISTS',
  'UNSUPPORTED_MEDIA_TYPE',
  'BODY_TOO_LARGE',
  'HOST_NOT_ALLOWED',
  'ORIGIN_NOT_ALLOWED',
]);

function localCode(remoteCode: string): LightProcessErrorCode {
  if (PASSED_THROUGH.has(remoteCode)) return remoteCode as LightProcessErrorCode;
  if (remoteCode === 'UNREACHABLE') return 'LIGHT_SERVE_UNREACHABLE';
  return USAGE_CODES.has(remoteCode) ? 'USAGE' : 'REMOTE_FAILED';
}

/** A `light serve` answered with an error, or could not be reached. Carries the remote's status and code. */
export class RemoteError extends LightProcessError {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The remote's `error.code`. */
  readonly remoteCode: string;

  constructor(
    status: number,
    remoteCode: string,
    message: string,
    options: { cause?: unknown; details?: unknown } = {},
  ) {
    super(localCode(remoteCode), message, options);
    this.status = status;
    this.remoteCode = remoteCode;
  }
}
