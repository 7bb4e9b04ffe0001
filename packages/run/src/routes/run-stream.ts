import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { FastifyReply } from 'fastify';
import type { RunState } from '../api/schemas.ts';
import { INLINE_ARTIFACT_BYTES, type InlinedArtifact, type StreamLine } from '../api/stream-lines.ts';
import type { ServerContext } from '../server/context.ts';

/**
 * Answers a submitted run as NDJSON (`POST /run?stream=ndjson`): the first state at once
 * (so the caller knows the id and can cancel from then on), every log line as it is
 * printed, then the final state with the small artifacts inlined: one exchange instead of
 * submit, log follow, wait and download. A detached run only loses its observer when the
 * client leaves (it re-attaches with `GET /runs/:id`); a synchronous one is cancelled, as
 * on the plain route.
 */
export function streamRun(
  ctx: ServerContext,
  reply: FastifyReply,
  state: RunState,
  done: Promise<RunState>,
): FastifyReply {
  if (!state.detached) {
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      ctx.manager.cancel(state.id).catch((err: unknown) => {
        ctx.options.log(
          `light-run: cancelling run ${state.id} after its client left: ${(err as Error).message}`,
        );
      });
    });
  }
  return reply
    .status(200)
    .type('application/x-ndjson; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(Readable.from(lines(ctx, state, done)));
}

async function* lines(ctx: ServerContext, state: RunState, done: Promise<RunState>): AsyncGenerator<string> {
  yield encode({ type: 'run', state });
  const source = ctx.logs.read(state.id, true);
  let rest = '';
  try {
    for await (const chunk of source) {
      const parts = (rest + String(chunk)).split('\n');
      rest = parts.pop() ?? '';
      const out = parts.map(logLine).join('');
      if (out) yield out;
    }
    if (rest) yield logLine(rest);
  } finally {
    source.destroy();
  }
  const final = await done;
  yield encode({ type: 'end', state: final, inlined: await inline(ctx, final) });
}

/** A stored log line as a stream line; nothing for a line cut short (its end marker says why). */
function logLine(raw: string): string {
  if (raw.length === 0) return '';
  try {
    const { stream, line, time } = JSON.parse(raw) as {
      stream: 'stdout' | 'stderr';
      line: string;
      time: string;
    };
    return encode({ type: 'log', stream, line, time });
  } catch {
    // A partial line of a write that failed (a full disk): the plain log route drops it too.
    return '';
  }
}

/** The run's artifacts, in order, while their bytes add up to at most INLINE_ARTIFACT_BYTES. */
async function inline(ctx: ServerContext, final: RunState): Promise<InlinedArtifact[]> {
  const inlined: InlinedArtifact[] = [];
  let total = 0;
  for (const info of final.artifacts) {
    if (total + info.bytes > INLINE_ARTIFACT_BYTES) break;
    let bytes: Buffer;
    try {
      bytes = await buffer(ctx.artifacts.open(final.id, info.path).stream);
    } catch (err) {
      // Evicted or removed meanwhile: the caller asks the artifact route, which says so.
      ctx.options.log(`light-run: inlining ${info.path} of run ${final.id}: ${(err as Error).message}`);
      break;
    }
    total += bytes.length;
    inlined.push({ ...info, base64: bytes.toString('base64') });
  }
  return inlined;
}

function encode(line: StreamLine): string {
  return `${JSON.stringify(line)}\n`;
}
