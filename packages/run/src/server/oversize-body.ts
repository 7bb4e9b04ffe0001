import { type Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LightRunError } from '../errors/light-run-error.ts';
import { isUploadRoute } from '../uploads/upload-body.ts';

/**
 * Most bytes of an over-limit body that are read and dropped so that the client can finish
 * writing it and read the 413 answer; a body larger than this has its connection cut.
 */
export const DRAIN_CAP_BYTES = 256 * 1024 * 1024;

const tooLarge = (limitBytes: number, seen: string) =>
  new LightRunError(
    'BODY_TOO_LARGE',
    `the request body (${seen}) is larger than this light-run's limit of ${limitBytes} bytes (--body-limit)`,
  );

/**
 * Answers an over-limit body with a 413 `BODY_TOO_LARGE` that HTTP clients can read.
 * Fastify's own answer closes the connection while the client still writes, which a fetch
 * client sees as a write error (EPIPE, "fetch failed"), never as the 413. Here a declared
 * length over the limit is answered at once on a connection kept open, and the rest of the
 * body is read and dropped so the client can finish writing; a chunked body is counted as
 * it comes, dropped past the limit and answered at its end. Past {@link DRAIN_CAP_BYTES}
 * the connection is cut.
 */
export function registerOversizeBody(app: FastifyInstance, limitBytes: number): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    // A streamed body (an upload) is bounded by the artifact store's room, not the body limit.
    if (isUploadRoute(request)) return payload;
    const declared = Number(request.headers['content-length']);
    if (declared > limitBytes) {
      // Past the cap nothing is read: the answer goes out and the connection closes after it.
      if (declared > DRAIN_CAP_BYTES) reply.header('connection', 'close');
      else drain(payload, request);
      throw tooLarge(limitBytes, `${declared} bytes`);
    }
    // A chunked body announces no size: count it as it comes.
    if (Number.isNaN(declared) && request.headers['transfer-encoding'] !== undefined) {
      return capped(payload, limitBytes, request);
    }
    return payload;
  });
}

/** Reads and drops the body, cutting the connection past the cap. */
function drain(payload: Readable, request: FastifyRequest): void {
  let seen = 0;
  payload.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_CAP_BYTES) request.raw.destroy();
  });
}

/** Passes a chunked body through up to the limit; past it drops the rest and fails at its end. */
function capped(payload: Readable, limitBytes: number, request: FastifyRequest): Transform {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > DRAIN_CAP_BYTES) {
        request.raw.destroy();
        callback(tooLarge(limitBytes, `over ${DRAIN_CAP_BYTES} bytes`));
      } else callback(null, seen > limitBytes ? undefined : chunk);
    },
    flush(callback) {
      callback(seen > limitBytes ? tooLarge(limitBytes, `${seen} bytes`) : null);
    },
  });
  payload.on('error', (err) => counter.destroy(err));
  return payload.pipe(counter);
}
