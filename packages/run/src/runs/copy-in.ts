import { join } from 'node:path';
import { artifactGlobMatcher, type HostFiles } from 'light-runner';
import type { RunMount, RunState } from '../api/schemas.ts';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import { LightRunError } from '../errors/light-run-error.ts';
import type { UploadStore } from '../uploads/upload-store.ts';

/** What resolving a run's mounts and upload reads. */
export interface CopyInSources {
  /** A run's state, or undefined when unknown. */
  find(id: string): RunState | undefined;
  artifacts: ArtifactStore;
  uploads: UploadStore;
}

/**
 * Turns a `POST /run` body's `upload` and `mounts` into the host files the runner streams
 * in, checking everything before the run is recorded: the upload exists (UPLOAD_NOT_FOUND),
 * each mounted run exists (RUN_NOT_FOUND), succeeded (MOUNT_NOT_READY), still holds its
 * artifacts (ARTIFACTS_EVICTED), and each glob matches at least one of them (MOUNT_NO_MATCH).
 * Only paths the mounted run recorded are copied; the runner refuses a symlink on disk.
 */
export function resolveCopyIn(
  body: { upload?: string | undefined; mounts?: RunMount[] | undefined },
  sources: CopyInSources,
): HostFiles[] {
  const out: HostFiles[] = [];
  if (body.upload !== undefined) out.push({ ...sources.uploads.files(body.upload), to: '' });
  for (const [index, mount] of (body.mounts ?? []).entries()) {
    const where = `mounts.${index}`;
    const state = sources.find(mount.fromRun);
    if (!state) {
      throw new LightRunError('RUN_NOT_FOUND', `${where}.fromRun: run ${mount.fromRun} not found`, {
        field: `${where}.fromRun`,
      });
    }
    if (state.status !== 'succeeded') {
      throw new LightRunError(
        'MOUNT_NOT_READY',
        `${where}.fromRun: run ${mount.fromRun} is ${state.status}; only the artifacts of a succeeded run can be mounted`,
        { field: `${where}.fromRun` },
      );
    }
    if (state.artifactsEvicted) {
      throw new LightRunError(
        'ARTIFACTS_EVICTED',
        `${where}.fromRun: the artifacts of run ${mount.fromRun} were evicted to keep the artifact store under its cap`,
        { field: `${where}.fromRun` },
      );
    }
    const paths = new Set<string>();
    for (const pattern of mount.paths) {
      const matches = artifactGlobMatcher(pattern);
      const hits = state.artifacts.filter((a) => matches(a.path));
      if (hits.length === 0) {
        throw new LightRunError(
          'MOUNT_NO_MATCH',
          `${where}.paths: "${pattern}" matches none of the artifacts of run ${mount.fromRun}`,
          { field: `${where}.paths` },
        );
      }
      for (const hit of hits) paths.add(hit.path);
    }
    out.push({ from: join(sources.artifacts.dir, mount.fromRun), paths: [...paths], to: mount.to });
  }
  return out;
}
