import type { ServerContext } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import { errorBody, scheduleList, scheduleParams, scheduleView } from '../schemas.ts';

const notFound = { description: 'no schedule at that index of that workflow', schema: errorBody };

/** `/api/schedules` routes: list, pause, resume. */
export function scheduleRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/schedules',
      operationId: 'listSchedules',
      summary: 'List the schedules of the served workflows with their next three fire times',
      tag: 'schedules',
      responses: { 200: { description: 'every schedule', schema: scheduleList } },
      handler: async () => ({ schedules: ctx.scheduler.list() }),
    }),
    ...(['pause', 'resume'] as const).map((action) =>
      defineRoute({
        method: 'POST',
        url: `/api/schedules/:workflowId/:index/${action}`,
        operationId: `${action}Schedule`,
        summary:
          action === 'pause'
            ? 'Pause a schedule (triggers[index] of the workflow) without editing the file; kept across restarts'
            : 'Resume a paused schedule; the fire times it skipped while paused are not run',
        tag: 'schedules',
        params: scheduleParams,
        responses: { 200: { description: 'the schedule', schema: scheduleView }, 404: notFound },
        handler: async ({ params }) =>
          ctx.scheduler.setPaused(params.workflowId, params.index, action === 'pause'),
      }),
    ),
  ];
}
