import { EngineRequestError, EngineUnreachableError, type LightRunnerError } from '../errors.ts';

/** Socket-level error codes that mean "nobody answers there". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
]);

/** The parts of a dockerode/docker-modem error we rely on: a status code, never the text. */
interface EngineFailure {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
}

/** The HTTP status of an engine error, or undefined when the request never got an answer. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as EngineFailure | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine's own explanation (its JSON `message`), for humans only. */
export function detailOf(err: unknown): string {
  const failure = err as EngineFailure | null;
  const fromJson = failure?.json && typeof failure.json === 'object' ? failure.json.message : undefined;
  return (fromJson ?? failure?.message ?? String(err)).trim();
}

/** True when the error is a socket failure rather than an HTTP answer. */
export function isUnreachable(err: unknown): boolean {
  const code = (err as EngineFailure | null)?.code;
  return statusOf(err) === undefined && typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

/**
 * Maps an engine failure to a typed error: unreachable socket -> EngineUnreachableError,
 * anything else -> EngineRequestError carrying the status. Callers that give 404/409 a
 * meaning check {@link statusOf} first.
 */
export function toEngineError(err: unknown, action: string, endpoint: string): LightRunnerError {
  if (isUnreachable(err)) return new EngineUnreachableError(endpoint, err);
  return new EngineRequestError(action, statusOf(err), detailOf(err), err);
}
