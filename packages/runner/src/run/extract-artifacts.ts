import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { asStepError } from '../errors.ts';
import { extractArchive } from '../files/archive-out.ts';
import type { Artifact } from '../types.ts';
import type { RunContext } from './run-context.ts';

/**
 * Copies every extract path out of the stopped container into `<artifactsDir>/<runId>/`,
 * all paths at once. A path that does not exist is simply absent. On any failure the
 * run's artifact directory is removed and the first error thrown.
 */
export async function extractArtifacts(
  ctx: RunContext,
  runId: string,
  containerId: string,
  paths: string[],
  workdir: string,
): Promise<Artifact[]> {
  const destDir = join(ctx.options.artifactsDir, runId);
  // One budget for every path: many files under the per-file cap must not add up to more.
  const budget = { leftBytes: ctx.options.maxExtractBytes };
  const settled = await Promise.allSettled(
    paths.map(async (containerPath) => {
      try {
        const source = await ctx.engine.getArchive(containerId, containerPath);
        if (!source) return [];
        return await extractArchive(source, {
          containerPath,
          workdir,
          destDir,
          maxBytes: ctx.options.maxExtractBytes,
          budget,
        });
      } catch (err) {
        throw asStepError(err, 'COPY_OUT_FAILED', { runId, path: containerPath });
      }
    }),
  );
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await rm(destDir, { recursive: true, force: true });
    throw failure.reason;
  }
  return settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
}
