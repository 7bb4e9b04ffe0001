import { DISK_POLL_MS } from '../enforcement/disk-quota.ts';
import { type PullProgress, pullImage } from '../engine/pull-image.ts';
import type { RunFailure } from '../types.ts';
import type { Execution } from './execution.ts';
import type { RunContext } from './run-context.ts';

/** The failure of a run whose container wrote `bytes` to its filesystem, over `limitBytes`. */
export function diskLimitFailure(bytes: number, limitBytes: number): RunFailure {
  return {
    code: 'DISK_LIMIT',
    message: `the container wrote ${bytes} bytes to its filesystem (workdir, /tmp and the rest of its writable layer), over the limit of ${limitBytes} bytes`,
  };
}

/**
 * Measures the container's writable layer every {@link DISK_POLL_MS} while it runs; once it
 * reaches the limit, records the breach on the execution and kills the container. Where the
 * engine has no per-container quota (overlay2 on ext4), this, with the per-file `fsize`
 * rlimit that stops any single file exactly at the limit, is the bound: a fast writer passes
 * the limit by what it writes between two measurements. Returns a function that stops watching.
 */
export function watchDisk(ctx: RunContext, exec: Execution, containerId: string): () => void {
  // Under a quota the kernel stops the writes, and this stays on as a backstop: a btrfs
  // quota group was once seen not to hold for one container (the layer then measures past
  // the cap). A layer at its quota cannot be measured on btrfs (-1) and is left alone.
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
        ctx.options.log(`light-runner: measuring the disk use of run ${exec.id} failed: ${String(err)}`);
      })
      .finally(() => {
        busy = false;
      });
  }, DISK_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The failure of a run that hit its disk quota: its writable layer ended within
 * {@link quotaSlackBytes} of the cap, so writes past it failed (EDQUOT/ENOSPC).
 */
export function diskQuotaFailure(bytes: number | undefined, limitBytes: number): RunFailure {
  const wrote = bytes === undefined ? 'filled its filesystem' : `wrote ${bytes} bytes to its filesystem`;
  return {
    code: 'DISK_LIMIT',
    message: `the container ${wrote} (workdir, /tmp and the rest of its writable layer) and reached its disk quota of ${limitBytes} bytes: writes past it failed`,
  };
}

/**
 * How close to the cap a run's writable layer must end to count as having hit the quota: the
 * quota counts allocated blocks and filesystem metadata, the measurement only the files'
 * sizes (a few hundred KiB apart here). 1/64 of the cap, at least 1 MiB.
 */
export function quotaSlackBytes(limitBytes: number): number {
  return Math.max(1024 * 1024, Math.floor(limitBytes / 64));
}

/**
 * The `StorageOpt.size` of a run's container where the engine enforces a quota, else
 * undefined: the disk cap, plus the image's own size where the quota counts the image too
 * (btrfs). In that case a missing image is pulled first, since its size is needed.
 */
export async function quotaBytes(
  ctx: RunContext,
  image: string,
  onPullProgress: ((event: PullProgress) => void) | undefined = ctx.options.onPullProgress,
): Promise<number | undefined> {
  const disk = await ctx.diskQuota.get();
  if (disk.mode !== 'quota') return undefined;
  if (!disk.countsImage) return ctx.options.diskBytes;
  const inspect = () =>
    ctx.engine.callOrMissing('inspect image', () => ctx.engine.docker.getImage(image).inspect());
  let info = await inspect();
  if (!info) {
    await pullImage(ctx.engine, image, onPullProgress);
    info = await inspect();
  }
  return ctx.options.diskBytes + (info?.Size ?? 0);
}
