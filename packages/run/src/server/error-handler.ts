import type { FastifyError, FastifyInstance } from 'fastify';
import { LightRunnerError } from 'light-runner';
import type { ErrorBody } from '../api/schemas.ts';
import { isCatalogueCode, type LightRunErrorCode, statusOf } from '../errors/catalogue.ts';
import { LightRunError } from '../errors/light-run-error.ts';

/** Fastify's own error codes, translated into the catalogue. */
const FASTIFY_CODES: Record<string, LightRunErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
};

/** Turns anything thrown into the catalogue code, message and details a client may see. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  const answer = (code: LightRunErrorCode, message: string, details?: unknown) => ({
    status: statusOf(code),
    body: { error: { code, message, ...(details === undefined ? {} : { details }) } },
    internal: code === 'INTERNAL' || code === 'ENGINE_UNREACHABLE',
  });
  if (err instanceof LightRunError) return answer(err.code, err.message, err.details);
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  // light-runner's codes that are also HTTP answers (RUN_NOT_FOUND, NETWORK_IN_USE, ...) keep their code.
  if (typeof code === 'string' && isCatalogueCode(code)) return answer(code, message);
  if (typeof code === 'string' && FASTIFY_CODES[code]) return answer(FASTIFY_CODES[code], message);
  // Other runner failures (ENGINE_ERROR, ...) carry messages written for users: keep them.
  if (err instanceof LightRunnerError) return answer('INTERNAL', `${err.code}: ${message}`);
  if (err instanceof SyntaxError) return answer('INVALID_JSON', `body is not valid JSON: ${message}`);
  const status = (err as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return answer('INVALID_REQUEST', message);
  return answer('INTERNAL', 'internal error; see the light-run log');
}

/** The one error handler: every failure leaves as `{error: {code, message, details?}}`, never a stack. */
export function registerErrorHandler(app: FastifyInstance, log: (line: string) => void): void {
  app.setErrorHandler((err, request, reply) => {
    const { status, body, internal } = toErrorBody(err);
    if (internal) {
      log(
        `light-run: ${request.method} ${request.url} failed: ${err instanceof Error ? err.stack : String(err)}`,
      );
    }
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` },
    };
    return reply.status(404).send(body);
  });
}
