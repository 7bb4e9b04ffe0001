import { z } from 'zod';
import { workflowDefinition } from '../../../definition/definitions.ts';
import type { ServerContext } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import {
  deleted,
  errorBody,
  idParams,
  persistQuery,
  runAccepted,
  runQuery,
  runRecord,
  workflowDetail,
  workflowGetQuery,
  workflowList,
} from '../schemas.ts';
import { describeWorkflow, summarize } from '../workflow-view.ts';

const notFound = { description: 'no workflow with that id', schema: errorBody };
const invalid = {
  description: 'invalid request or workflow (the message names the field)',
  schema: errorBody,
};

/** `/api/workflows` routes: list, get, register, replace, delete, run. */
export function workflowRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/workflows',
      operationId: 'listWorkflows',
      summary: 'List the served workflows',
      tag: 'workflows',
      responses: { 200: { description: 'the workflows, by id', schema: workflowList } },
      handler: async () => ({ workflows: ctx.catalog.list().map(summarize) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/workflows/:id',
      operationId: 'getWorkflow',
      summary: 'Get a workflow: its graph and input schema, or with ?full=1 the whole definition',
      tag: 'workflows',
      params: idParams,
      query: workflowGetQuery,
      responses: {
        200: {
          description: 'the workflow (full: a workflow definition)',
          schema: z.union([workflowDetail, workflowDefinition]),
        },
        404: notFound,
      },
      handler: async ({ params, query }) => {
        const entry = ctx.catalog.get(params.id);
        return query.full ? entry.definition : describeWorkflow(entry);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/workflows',
      operationId: 'registerWorkflow',
      summary: 'Register a workflow (?persist=1 also writes it as a folder under the served directory)',
      tag: 'workflows',
      query: persistQuery,
      requestBody: {
        schema: workflowDefinition,
        description: 'a whole workflow definition (the packed format)',
      },
      responses: {
        201: { description: 'registered', schema: workflowDetail },
        400: invalid,
        409: { description: 'a workflow with that id exists', schema: errorBody },
      },
      handler: async ({ query, request, reply }) => {
        const entry = await ctx.catalog.register(request.body, query.persist);
        reply.code(201);
        return describeWorkflow(entry);
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/workflows/:id',
      operationId: 'replaceWorkflow',
      summary: 'Replace a workflow (?persist=1 also rewrites its folder)',
      tag: 'workflows',
      params: idParams,
      query: persistQuery,
      requestBody: {
        schema: workflowDefinition,
        description: 'a whole workflow definition whose id is the one in the path',
      },
      responses: { 200: { description: 'replaced', schema: workflowDetail }, 400: invalid, 404: notFound },
      handler: async ({ params, query, request }) =>
        describeWorkflow(await ctx.catalog.replace(params.id, request.body, query.persist)),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/workflows/:id',
      operationId: 'deleteWorkflow',
      summary: 'Delete a workflow (?persist=1 also removes its folder)',
      tag: 'workflows',
      params: idParams,
      query: persistQuery,
      responses: { 200: { description: 'deleted', schema: deleted }, 404: notFound },
      handler: async ({ params, query }) => {
        const { persisted } = await ctx.catalog.remove(params.id, query.persist);
        return { id: params.id, deleted: true, persisted };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/workflows/:id/run',
      operationId: 'runWorkflow',
      summary: 'Run a workflow with the body as input; waits for the end unless ?async=1',
      tag: 'workflows',
      params: idParams,
      query: runQuery,
      requestBody: {
        schema: z.unknown(),
        description: "the run input, checked against the workflow's inputs schema (an absent body is {})",
      },
      responses: {
        200: { description: 'the finished run', schema: runRecord },
        202: { description: 'the run was started (?async=1)', schema: runAccepted },
        400: {
          description: 'the input does not match the workflow inputs, or env is missing',
          schema: errorBody,
        },
        404: notFound,
        503: { description: 'the server is shutting down', schema: errorBody },
      },
      handler: async ({ params, query, request, reply }) => {
        const entry = ctx.catalog.get(params.id);
        const { runId, done } = ctx.runs.start(entry.definition, request.body ?? {});
        if (query.async) {
          reply.code(202);
          return { runId };
        }
        return done;
      },
    }),
  ];
}
