import { z } from 'zod';
import { listQuery, stateQuery } from '../api/queries.ts';
import { errorBody, runBody, runList, runState, stopBody } from '../api/schemas.ts';
import { runQuery } from '../api/stream-lines.ts';
import { ValidationError } from '../errors/light-run-error.ts';
import { resolveCopyIn } from '../runs/copy-in.ts';
import type { ServerContext } from '../server/context.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';
import { checkRunNetworks } from './run-networks.ts';
import { streamRun } from './run-stream.ts';

const idParams = z.object({ id: z.string() });
const notFound = { description: 'RUN_NOT_FOUND', schema: errorBody };
const notActive = { description: 'RUN_NOT_ACTIVE: the run has ended', schema: errorBody };

/** `POST /runs/:id/<action>` for cancel, pause and resume: the run's state after it. */
function actionRoute(
  action: 'cancel' | 'pause' | 'resume',
  summary: string,
  act: (id: string) => Promise<unknown>,
): RouteSpec {
  return defineRoute({
    method: 'POST',
    url: `/runs/:id/${action}`,
    operationId: `${action}Run`,
    summary,
    tag: 'runs',
    params: idParams,
    responses: { 200: { description: "the run's state", schema: runState }, 404: notFound, 409: notActive },
    handler: async ({ params }) => act(params.id),
  });
}

/**
 * `POST /run` (`?stream=ndjson`: see run-stream.ts), `GET /runs`, `GET /runs/:id`,
 * `POST /runs/:id/cancel|stop|pause|resume`,
 * `DELETE /runs/:id`.
 */
export function runRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/run',
      operationId: 'run',
      summary: 'Runs one container: answers its final state, or 202 at once when detached',
      tag: 'runs',
      query: runQuery,
      body: runBody,
      responses: {
        200: {
          description:
            'the final state of a synchronous run; with `?stream=ndjson`, NDJSON lines instead: `run` (the first state), `log` lines, then `end` (the final state, small artifacts inlined)',
          schema: runState,
        },
        202: { description: 'a detached run, queued or running (Location: /runs/<id>)', schema: runState },
        400: {
          description: 'INVALID_REQUEST, NETWORK_NOT_ALLOWED or MOUNT_NO_MATCH, naming the field',
          schema: errorBody,
        },
        404: {
          description: 'LEASE_NOT_FOUND, UPLOAD_NOT_FOUND, or RUN_NOT_FOUND for a mount',
          schema: errorBody,
        },
        409: { description: 'MOUNT_NOT_READY: a mounted run did not succeed', schema: errorBody },
        410: { description: "ARTIFACTS_EVICTED: a mounted run's artifacts are gone", schema: errorBody },
        503: { description: 'SHUTTING_DOWN or TOO_MANY_SERVICES', schema: errorBody },
      },
      handler: async ({ query, body, reply }) => {
        if (body.callbackSecret !== undefined && body.callbackUrl === undefined) {
          throw new ValidationError([
            { path: 'callbackUrl', message: 'is required when callbackSecret is set' },
          ]);
        }
        if (body.service === true && body.detached === false) {
          throw new ValidationError([{ path: 'detached', message: 'a service is always detached' }]);
        }
        await checkRunNetworks(body.networks, ctx, body.lease);
        // An unknown lease is refused before anything is recorded or started; checked in the
        // tick of the submit, so the lease cannot end between the check and the record.
        if (body.lease !== undefined) ctx.leases.require(body.lease);
        const copyIn = resolveCopyIn(body, {
          find: (id) => ctx.manager.find(id),
          artifacts: ctx.artifacts,
          uploads: ctx.uploads,
        });
        const { state, done } = ctx.manager.submit(body, copyIn);
        if (query.stream) return streamRun(ctx, reply, state, done);
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
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/runs',
      operationId: 'listRuns',
      summary: 'Runs, newest first, optionally of one status',
      tag: 'runs',
      query: listQuery,
      responses: { 200: { description: 'the runs', schema: runList } },
      handler: async ({ query }) => ({ runs: ctx.manager.list(query) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/runs/:id',
      operationId: 'getRun',
      summary: "A run's state; ?wait=30s long-polls until it ends",
      tag: 'runs',
      params: idParams,
      query: stateQuery,
      responses: { 200: { description: "the run's state", schema: runState }, 404: notFound },
      handler: async ({ params, query, reply }) => {
        if (query.wait <= 0) return ctx.manager.get(params.id);
        const gone = new AbortController();
        reply.raw.once('close', () => gone.abort());
        return ctx.manager.settled(params.id, Math.min(query.wait, ctx.options.maxWaitMs), gone.signal);
      },
    }),
    actionRoute('cancel', 'Kills a run and removes its container', (id) => ctx.manager.cancel(id)),
    defineRoute({
      method: 'POST',
      url: '/runs/:id/stop',
      operationId: 'stopRun',
      summary: 'Sends a signal (default SIGTERM), then kills the run after `grace` ms',
      tag: 'runs',
      params: idParams,
      body: stopBody.prefault({}),
      responses: { 200: { description: "the run's state", schema: runState }, 404: notFound, 409: notActive },
      handler: async ({ params, body }) =>
        ctx.manager.stop(params.id, {
          ...(body.signal ? { signal: body.signal } : {}),
          ...(body.grace !== undefined ? { graceMs: body.grace } : {}),
        }),
    }),
    actionRoute('pause', "Freezes a run's processes", (id) => ctx.manager.pause(id)),
    actionRoute('resume', 'Thaws a paused run', (id) => ctx.manager.resume(id)),
    defineRoute({
      method: 'DELETE',
      url: '/runs/:id',
      operationId: 'deleteRun',
      summary: 'Deletes a finished run with its logs, artifacts and state',
      tag: 'runs',
      params: idParams,
      responses: {
        204: { description: 'deleted' },
        404: notFound,
        409: { description: 'RUN_ACTIVE: the run is still queued, running or paused', schema: errorBody },
      },
      handler: async ({ params, reply }) => {
        await ctx.manager.remove(params.id);
        return reply.status(204).send();
      },
    }),
  ];
}
