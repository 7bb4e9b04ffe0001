import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listQuery, stateQuery } from '../api/queries.ts';
import { runBody, stopBody } from '../api/schemas.ts';
import { runQuery } from '../api/stream-lines.ts';
import { ValidationError } from '../errors/light-run-error.ts';
import { parseOrThrow } from '../errors/validate.ts';
import type { ServerContext } from '../server/context.ts';
import { checkRunNetworks } from './run-networks.ts';
import { streamRun } from './run-stream.ts';

const idParams = z.object({ id: z.string() });

/**
 * `POST /run` (`?stream=ndjson`: see run-stream.ts), `GET /runs`, `GET /runs/:id`, `POST /runs/:id/cancel|stop|pause|resume`,
 * `DELETE /runs/:id`.
 */
export function registerRunRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/run', async (request, reply) => {
    const { stream } = parseOrThrow(runQuery, request.query);
    const body = parseOrThrow(runBody, request.body);
    if (body.callbackSecret !== undefined && body.callbackUrl === undefined) {
      throw new ValidationError([{ path: 'callbackUrl', message: 'is required when callbackSecret is set' }]);
    }
    if (body.service === true && body.detached === false) {
      throw new ValidationError([{ path: 'detached', message: 'a service is always detached' }]);
    }
    await checkRunNetworks(body.networks, ctx);
    // An unknown lease is refused before anything is recorded or started; checked in the
    // tick of the submit, so the lease cannot end between the check and the record.
    if (body.lease !== undefined) ctx.leases.require(body.lease);
    const { state, done } = ctx.manager.submit(body);
    if (stream) return streamRun(ctx, reply, state, done);
    if (state.detached) return reply.status(202).header('location', `/runs/${state.id}`).send(state);
    // A synchronous run belongs to its request: a client that hangs up cancels it.
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      ctx.manager.cancel(state.id).catch((err: unknown) => {
        ctx.options.log(
          `light-run: cancelling run ${state.id} after its client left: ${(err as Error).message}`,
        );
      });
    });
    return reply.status(200).send(await done);
  });

  app.get('/runs', async (request) => {
    const query = parseOrThrow(listQuery, request.query);
    return { runs: ctx.manager.list(query) };
  });

  app.get('/runs/:id', async (request, reply) => {
    const { id } = parseOrThrow(idParams, request.params);
    const { wait } = parseOrThrow(stateQuery, request.query);
    if (wait <= 0) return ctx.manager.get(id);
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    return ctx.manager.settled(id, Math.min(wait, ctx.options.maxWaitMs), gone.signal);
  });

  app.post('/runs/:id/cancel', async (request) => {
    const { id } = parseOrThrow(idParams, request.params);
    return ctx.manager.cancel(id);
  });

  app.post('/runs/:id/stop', async (request) => {
    const { id } = parseOrThrow(idParams, request.params);
    const body = parseOrThrow(stopBody, request.body ?? {});
    return ctx.manager.stop(id, {
      ...(body.signal ? { signal: body.signal } : {}),
      ...(body.grace !== undefined ? { graceMs: body.grace } : {}),
    });
  });

  app.post('/runs/:id/pause', async (request) => {
    const { id } = parseOrThrow(idParams, request.params);
    return ctx.manager.pause(id);
  });

  app.post('/runs/:id/resume', async (request) => {
    const { id } = parseOrThrow(idParams, request.params);
    return ctx.manager.resume(id);
  });

  app.delete('/runs/:id', async (request, reply) => {
    const { id } = parseOrThrow(idParams, request.params);
    await ctx.manager.remove(id);
    return reply.status(204).send();
  });
}
