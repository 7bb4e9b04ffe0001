import { planResume } from '../../../engine/resume.ts';
import { ApiError } from '../api-error.ts';
import type { ServerContext } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import { errorBody, idParams, resumeAccepted, runListQuery, runPage, runRecord } from '../schemas.ts';

const notFound = { description: 'no run with that id', schema: errorBody };

/** `/api/runs` routes: list, get, cancel (events live in events.ts). */
export function runRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/runs',
      operationId: 'listRuns',
      summary:
        'List runs, newest first, filtered by ?workflow= and ?status=, paged with ?limit= and ?offset=',
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
      method: 'POST',
      url: '/api/runs/:id/cancel',
      operationId: 'cancelRun',
      summary: 'Cancel a running run; answers once it has wound down',
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
        const { runId } = ctx.runs.start(workflow, run.input, { from: run.id, reuse });
        reply.code(202);
        return { runId, resumedFrom: run.id };
      },
    }),
  ];
}
