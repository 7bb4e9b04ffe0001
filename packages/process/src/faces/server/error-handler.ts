import type { FastifyError, FastifyInstance } from 'fastify';
import { LightProcessError, type LightProcessErrorCode } from '../../definition/errors.ts';
import { ApiError, type ApiErrorCode } from './api-error.ts';

// Fastify's own failures (body parsing, limits) by their code, mapped onto the API's codes.
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
};

// The engine's refusals of what the caller sent, the one place they become API errors.
const ENGINE_CODES: Partial<Record<LightProcessErrorCode, ApiErrorCode>> = {
  WORKFLOW_INVALID: 'WORKFLOW_INVALID',
  DEFINITION_INVALID: 'WORKFLOW_INVALID',
  INPUT_INVALID: 'INPUT_INVALID',
  ENV_MISSING: 'ENV_MISSING',
  RESUME_REFUSED: 'NOT_RESUMABLE',
};

function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  const fastifyError = error as Partial<FastifyError>;
  const code = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (code) return new ApiError(code, fastifyError.message ?? code);
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new ApiError('INVALID_JSON', `the body is not valid JSON: ${error.message}`);
  }
  if (error instanceof LightProcessError) {
    const code = ENGINE_CODES[error.code];
    if (code) return new ApiError(code, error.message, error.details);
  }
  return undefined;
}

/** Sends every failure as `{error: {code, message, details?}}`; unknown ones as a logged 500. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(async (error, request, reply) => {
    const known = toApiError(error);
    if (known) return reply.code(known.statusCode).send(known.toBody());
    request.log.error({ err: error }, 'unexpected error');
    const internal = new ApiError('INTERNAL', 'internal error; the server log has the details');
    return reply.code(500).send(internal.toBody());
  });
  app.setNotFoundHandler(async (request, reply) => {
    const error = new ApiError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(error.toBody());
  });
}
