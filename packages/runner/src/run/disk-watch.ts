import type { RunFailure } from '../types.ts';
import type { Execution } from './execution.ts';
import type { RunContext } from './run-context.ts';

/** How often a running container's writable layer is measured, in milliseconds. */
export const DISK_POLL_MS = 1_000;

/** The failure of a run whose container wrote `bytes` to its filesystem, over `limitBytes`. */
export function diskLimitFailure(bytes: number, limitBytes: number): RunFailure {
  return {
    code: 'DISK_LIMIT',
    message: `the container wrote ${bytes} bytes to its filesystem (workdir, /tmp and the rest of its writable layer), over the limit of ${limitBytes} bytes`,
  };
}

/**
 * Measures the container's writable layer every {@link DISK_POLL_MS} while it runs; once it
 * reaches the limit, records the breach on the execution and kills the container. Overlay2 on
 * ext4 has no per-container quota, so this (with the per-file `fsize` rlimit that stops any
 * single file exactly at the limit) is the bound. Returns a function that stops watching.
 */
export function watchDisk(ctx: RunContext, exec: Execution, containerId: string): () => void {
  const limit = ctx.options.diskBytes;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || exec.breach) return;
    busy = true;
    void ctx.engine
      .writableBytes(containerId)
      .then(async (bytes) => {
        if (bytes === undefined || bytes < limit || exec.breach) return;
        exec.breach = diskLimitFailure(bytes, limit);
        await ctx.engine.kill(containerId, 'SIGKILL');
      })
      .catch((err: unknown) => {
        // A missed measurement is retried on the next tick; finalize measures once more anyway.
        process.emitWarning(`light-runner: measuring the disk use of run ${exec.id} failed: ${String(err)}`);
      })
      .finally(() => {
        busy = false;
      });
  }, DISK_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
