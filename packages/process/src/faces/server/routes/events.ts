import type { ServerResponse } from 'node:http';
import { ApiError } from '../api-error.ts';
import type { ServerContext } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import { eventsFromRecord, type NumberedEvent } from '../run-events.ts';
import { errorBody, eventsQuery, idParams } from '../schemas.ts';
import { SECURITY_HEADERS } from '../security-headers.ts';

const HEARTBEAT_MS = 15_000;

function write(res: ServerResponse, { id, event }: NumberedEvent): void {
  res.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

/** The id a client resumes after: `?lastEventId=` first, then the `Last-Event-ID` header; 0 for none. */
function resumeAfter(query: number | undefined, header: string | string[] | undefined): number {
  if (query !== undefined) return query;
  // A header that is not one of our ids (a proxy's, another server's) resumes nothing.
  return typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : 0;
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
        'what happened so far, then live; the stream ends after run-finished. Each event has an ' +
        'id, its place in the run (1, 2, ...), the same on every connection; a client that sends ' +
        '`Last-Event-ID` (or `?lastEventId=`, which wins) gets only the events after it. Log lines ' +
        'past the per-node replay cap are streamed live but not replayed; a run that ended before ' +
        'the last 64 runs of this server is rebuilt from the history, numbered in its record order',
      tag: 'runs',
      params: idParams,
      query: eventsQuery,
      responses: {
        200: {
          description: 'an event stream; each data line is one JSON event, each id its place in the run',
          contentType: 'text/event-stream',
        },
        400: { description: 'lastEventId is not a non-negative integer', schema: errorBody },
        404: { description: 'no run with that id', schema: errorBody },
      },
      handler: async ({ params, query, request, reply }) => {
        const after = resumeAfter(query.lastEventId, request.headers['last-event-id']);
        const log = ctx.runs.eventLog(params.id);
        const record = log ? undefined : ctx.store.getRun(params.id);
        if (!log && !record) throw new ApiError('RUN_NOT_FOUND', `no run with id '${params.id}'`);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          ...SECURITY_HEADERS, // a hijacked reply sends none of the headers set on it
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        const send = (numbered: NumberedEvent) => {
          if (numbered.id > after) write(res, numbered);
        };
        if (!log) {
          // An older finished run: its history replayed, then the end (an interrupted run has its run-finished too).
          eventsFromRecord(record as NonNullable<typeof record>, ctx.store.retries(params.id)).forEach(
            (event, i) => {
              send({ id: i + 1, event });
            },
          );
          res.end();
          return;
        }
        if (log.finished) {
          for (const numbered of log.snapshot()) send(numbered);
          res.end();
          return;
        }
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        const stop = () => {
          clearInterval(heartbeat);
          subscription.unsubscribe();
        };
        const subscription = log.subscribe((numbered) => {
          send(numbered);
          if (numbered.event.type === 'run-finished') {
            stop();
            res.end();
          }
        });
        request.raw.on('close', stop);
        for (const numbered of subscription.replay) send(numbered);
      },
    }),
  ];
}
