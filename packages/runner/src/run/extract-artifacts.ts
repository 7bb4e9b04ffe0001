import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { asStepError } from '../errors.ts';
import { extractArchive } from '../files/archive-out.ts';
import { assertEveryGlobMatched, compileArtifactGlob, globContainerPath } from '../files/artifact-globs.ts';
import type { Artifact } from '../types.ts';
import type { RunContext } from './run-context.ts';

/**
 * Copies every extract path out of the stopped container into `<artifactsDir>/<runId>/`,
 * all paths at once, then every artifact glob (one after the other: two globs may share a
 * directory). A path that does not exist is simply absent; a glob that matches no regular
 * file, or reaches a symlink, fails. On any failure the run's artifact directory is
 * removed and the first error thrown.
 */
export async function extractArtifacts(
  ctx: RunContext,
  runId: string,
  containerId: string,
  paths: string[],
  workdir: string,
  globPatterns: string[] = [],
): Promise<Artifact[]> {
  const destDir = join(ctx.options.artifactsDir, runId);
  // One budget for every path: many files under the per-file cap must not add up to more.
  const budget = { leftBytes: ctx.options.maxExtractBytes };
  const target = { workdir, destDir, maxBytes: ctx.options.maxExtractBytes, budget };
  const settled = await Promise.allSettled(
    paths.map(async (containerPath) => {
      try {
        const source = await ctx.engine.getArchive(containerId, containerPath);
        if (!source) return [];
        return await extractArchive(source, { ...target, containerPath });
      } catch (err) {
        throw asStepError(err, 'COPY_OUT_FAILED', { runId, path: containerPath });
      }
    }),
  );
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const found = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
  try {
    if (failure) throw failure.reason;
    const globs = globPatterns.map(compileArtifactGlob);
    const seen = new Set(found.map((a) => a.path));
    for (const glob of globs) {
      const containerPath = globContainerPath(glob, workdir);
      try {
        const source = await ctx.engine.getArchive(containerId, containerPath);
        if (!source) continue;
        const select = (path: string, type: string) => glob.select(path, type) && !seen.has(path);
        for (const artifact of await extractArchive(source, { ...target, containerPath, select })) {
          seen.add(artifact.path);
          found.push(artifact);
        }
      } catch (err) {
        throw asStepError(err, 'COPY_OUT_FAILED', { runId, path: containerPath });
      }
    }
    assertEveryGlobMatched(globs, workdir);
  } catch (err) {
    await rm(destDir, { recursive: true, force: true });
    throw err;
  }
  return found;
}
