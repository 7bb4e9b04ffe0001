import { asStepError } from '../errors.ts';
import type { ContainerSource } from '../run/container-source.ts';
import { type PoolEntry, packPooled } from './pool-entry.ts';

/**
 * A parked container as a run's container: one upload at `/` (the files under the workdir
 * and the entry script), nothing to start (it runs, blocked on stdin), and the release
 * through stdin (a newline, then the JSON input if any, then EOF). The rest of the run is
 * the cold path's (launch.ts).
 */
export function pooledSource(entry: PoolEntry): ContainerSource {
  return {
    async open(ctx, exec, req, state) {
      state.containerId = entry.containerId;
      exec.containerCreated(entry.containerId);
      if (exec.stopReason) return entry.stream;
      try {
        await ctx.engine.putArchive(entry.containerId, '/', packPooled(req));
      } catch (err) {
        throw asStepError(err, 'COPY_IN_FAILED', { runId: req.id });
      }
      return entry.stream;
    },
    async start() {
      // Started when it was parked: the program waits for the release line that feed() sends.
    },
    feed(stream, req) {
      // The parked `read` takes the first line only; the program gets the rest, then EOF.
      stream.write('\n');
      if (req.stdin !== undefined) stream.end(req.stdin);
      else stream.end();
    },
  };
}
