import { Transform, type TransformCallback } from 'node:stream';
import { z } from 'zod';
import { logsQuery } from '../api/queries.ts';
import { errorBody } from '../api/schemas.ts';
import type { ServerContext } from '../server/context.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';

/** The `line` of one stored NDJSON line; nothing for a line cut short (a write that failed on a full disk). */
function textOf(raw: string): string {
  try {
    return `${(JSON.parse(raw) as { line: string }).line}\n`;
  } catch {
    // Thrown here it would escape the stream and end the process; the log's end marker says what happened.
    return '';
  }
}

/** Turns the stored NDJSON into plain text: each line's `line`, one per line. */
class NdjsonToText extends Transform {
  private rest = '';

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const lines = (this.rest + chunk.toString()).split('\n');
    this.rest = lines.pop() ?? '';
    const text = lines
      .filter((l) => l.length > 0)
      .map(textOf)
      .join('');
    callback(null, text);
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.rest ? textOf(this.rest) : '');
  }
}

/**
 * `GET /runs/:id/logs`: the run's output, `text/plain` by default or NDJSON
 * (`{"stream","line","time"}` per line) with `?format=ndjson`; `?follow=1` keeps the
 * response open and streams new lines until the run ends.
 */
export function logRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/runs/:id/logs',
      operationId: 'getRunLogs',
      summary: "A run's output as text, or NDJSON lines with ?format=ndjson; ?follow=1 streams until it ends",
      tag: 'runs',
      params: z.object({ id: z.string() }),
      query: logsQuery,
      responses: {
        200: {
          description:
            'text/plain, one output line per line; with ?format=ndjson, application/x-ndjson: one {"stream","line","time"} per line',
          contentType: 'text/plain',
        },
        404: { description: 'RUN_NOT_FOUND', schema: errorBody },
      },
      handler: async ({ params, query, reply }) => {
        ctx.manager.get(params.id);
        const source = ctx.logs.read(params.id, query.follow);
        reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
        if (query.format === 'ndjson') return reply.type('application/x-ndjson; charset=utf-8').send(source);
        const text = source.pipe(new NdjsonToText());
        source.once('error', (err) => text.destroy(err));
        text.once('close', () => source.destroy());
        return reply.type('text/plain; charset=utf-8').send(text);
      },
    }),
  ];
}
