import { planResume } from '../../../engine/resume.ts';
import { ApiError } from '../api-error.ts';
import type { ServerContext } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import {
  elementPage,
  elementsParams,
  elementsQuery,
  errorBody,
  idParams,
  resumeAccepted,
  runListQuery,
  runPage,
  runRecord,
} from '../schemas.ts';

const notFound = { description: 'no run with that id', schema: errorBody };

/** `/api/runs` routes: list, get, cancel (events live in events.ts). */
export function runRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/runs',
      operationId: 'listRuns',
      summary:
        'List runs, newest first, filtered by ?workflow=, ?status= and ?trigger=, paged with ?limit= and ?offset=',
      tag: 'runs',
      query: runListQuery,
      responses: {
        200: { description: 'one page of runs', schema: runPage },
        400: { description: 'invalid query', schema: errorBody },
      },
      handler: async ({ query }) =>
        ctx.store.listRuns({
          limit: query.limit,
          offset: query.offset,
          ...(query.workflow !== undefined ? { workflowId: query.workflow } : {}),
          ...(query.status !== undefined ? { status: query.status } : {}),
          ...(query.trigger !== undefined ? { trigger: query.trigger } : {}),
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs/:id',
      operationId: 'getRun',
      summary: 'Get a run: per-node status, output, exit code, duration and logs',
      tag: 'runs',
      params: idParams,
      responses: { 200: { description: 'the run', schema: runRecord }, 404: notFound },
      handler: async ({ params }) => {
        const run = ctx.store.getRun(params.id);
        if (!run) throw new ApiError('RUN_NOT_FOUND', `no run with id '${params.id}'`);
        return run;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs/:id/nodes/:nodeId/elements',
      operationId: 'listMapElements',
      summary:
        "List a map node's elements by index (status, exit code, duration, error, light-run id), " +
        'paged with ?offset= and ?limit= (default 100, at most 1000); their log lines are in the ' +
        "run's logs, tagged with `element`",
      tag: 'runs',
      params: elementsParams,
      query: elementsQuery,
      responses: {
        200: {
          description: 'one page of elements; total counts every element recorded',
          schema: elementPage,
        },
        400: { description: 'invalid paging', schema: errorBody },
        404: { description: 'no run with that id, or no such node in it', schema: errorBody },
      },
      handler: async ({ params, query }) => {
        if (!ctx.store.hasRun(params.id))
          throw new ApiError('RUN_NOT_FOUND', `no run with id '${params.id}'`);
        if (!ctx.store.hasNode(params.id, params.nodeId))
          throw new ApiError('NODE_NOT_FOUND', `run '${params.id}' has no node '${params.nodeId}'`);
        return ctx.store.listElements(params.id, params.nodeId, query);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs/:id/cancel',
      operationId: 'cancelRun',
      summary: 'Cancel a queued or running run; answers once it has wound down',
      tag: 'runs',
      params: idParams,
      responses: {
        200: { description: 'the cancelled run', schema: runRecord },
        404: notFound,
        409: { description: 'the run has already finished', schema: errorBody },
      },
      handler: async ({ params }) => {
        if (!ctx.store.getRun(params.id))
          throw new ApiError('RUN_NOT_FOUND', `no run with id '${params.id}'`);
        if (!(await ctx.runs.cancel(params.id))) {
          throw new ApiError('RUN_FINISHED', `run '${params.id}' has already finished`);
        }
        return ctx.store.getRun(params.id);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs/:id/resume',
      operationId: 'resumeRun',
      summary:
        'Resume a failed, cancelled or interrupted run: succeeded nodes are reused, the rest run again in a new run',
      tag: 'runs',
      params: idParams,
      responses: {
        202: { description: 'the new run has started', schema: resumeAccepted },
        404: { description: 'no run, or its workflow is no longer served', schema: errorBody },
        409: {
          description: 'not resumable: still running, succeeded, or a node upstream of the failure changed',
          schema: errorBody,
        },
      },
      handler: async ({ params, reply }) => {
        const run = ctx.store.getRun(params.id);
        if (!run) throw new ApiError('RUN_NOT_FOUND', `no run with id '${params.id}'`);
        const workflow = ctx.catalog.get(run.workflowId).definition;
        const reuse = planResume(workflow, {
          runId: run.id,
          status: run.status,
          fingerprints: ctx.store.fingerprints(run.id),
          nodes: run.nodes,
        });
        const { runId } = ctx.runs.start(workflow, run.input, 'manual', { from: run.id, reuse });
        reply.code(202);
        return { runId, resumedFrom: run.id };
      },
    }),
  ];
}
