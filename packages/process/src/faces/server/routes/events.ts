import type { ServerResponse } from 'node:http';
import { ApiError } from '../api-error.ts';
import type { ServerContext } from '../context.ts';
import type { RunEvent } from '../event-types.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import { eventsFromRecord } from '../run-events.ts';
import { errorBody, idParams } from '../schemas.ts';
import { SECURITY_HEADERS } from '../security-headers.ts';

const HEARTBEAT_MS = 15_000;

function write(res: ServerResponse, event: RunEvent, seq: number): void {
  res.write(`id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

/** `GET /api/runs/:id/events`: Server-Sent Events, replay first, then live, closed after `run-finished`. */
export function eventRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/runs/:id/events',
      operationId: 'streamRunEvents',
      summary:
        'Stream a run as Server-Sent Events (node-started, log, node-finished, run-finished): ' +
        'what happened so far, then live; the stream ends after run-finished',
      tag: 'runs',
      params: idParams,
      responses: {
        200: {
          description: 'an event stream; each data line is one JSON event',
          contentType: 'text/event-stream',
        },
        404: { description: 'no run with that id', schema: errorBody },
      },
      handler: async ({ params, request, reply }) => {
        const live = ctx.runs.liveEvents(params.id);
        const record = live ? undefined : ctx.store.getRun(params.id);
        if (!live && !record) throw new ApiError('RUN_NOT_FOUND', `no run with id '${params.id}'`);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          ...SECURITY_HEADERS, // a hijacked reply sends none of the headers set on it
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        let seq = 0;
        if (!live) {
          // A finished run: its history replayed, then the end (an interrupted run has its run-finished too).
          for (const event of eventsFromRecord(record as NonNullable<typeof record>))
            write(res, event, ++seq);
          res.end();
          return;
        }
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        const stop = () => {
          clearInterval(heartbeat);
          subscription.unsubscribe();
        };
        const subscription = live.subscribe((event) => {
          write(res, event, ++seq);
          if (event.type === 'run-finished') {
            stop();
            res.end();
          }
        });
        request.raw.on('close', stop);
        for (const event of subscription.replay) write(res, event, ++seq);
      },
    }),
  ];
}
