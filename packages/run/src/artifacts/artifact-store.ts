import { constants, createReadStream, fstatSync, lstatSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type ArtifactInfo, relativePath } from '../api/schemas.ts';
import { LightRunError } from '../errors/light-run-error.ts';
import { parseOrThrow } from '../errors/validate.ts';
import type { RunRecords } from '../runs/run-records.ts';

/** An artifact opened for download. */
export interface OpenedArtifact {
  stream: Readable;
  bytes: number;
  type: string;
}

/**
 * The artifacts the runner extracted, under `<dataDir>/artifacts/<runId>/`. Downloads are
 * restricted to paths the run recorded, every path component is checked with lstat and
 * opened with O_NOFOLLOW, so a symlink in the store is never followed. The store is kept
 * under a byte cap by evicting the artifacts of the oldest finished runs.
 */
export class ArtifactStore {
  constructor(
    /** The directory the runner extracts into. */
    readonly dir: string,
    private readonly capBytes: number,
    private readonly records: RunRecords,
    /** Bytes held besides run artifacts that count against the same cap (uploads). */
    private readonly otherBytes: () => number = () => 0,
  ) {}

  /** Opens one artifact of a run for streaming. */
  open(runId: string, rawPath: string): OpenedArtifact {
    const path = parseOrThrow(relativePath, rawPath, 'path');
    const stored = this.records.get(runId);
    if (!stored) throw new LightRunError('RUN_NOT_FOUND', `run ${runId} not found`);
    const info = stored.state.artifacts.find((a) => a.path === path);
    if (!info) {
      if (stored.state.artifactsEvicted) {
        throw new LightRunError('ARTIFACTS_EVICTED', `the artifacts of run ${runId} were evicted`);
      }
      throw new LightRunError('ARTIFACT_NOT_FOUND', `run ${runId} has no artifact ${path}`, {
        field: 'path',
      });
    }
    const fd = this.openNoFollow(runId, path);
    return { stream: createReadStream('', { fd }), bytes: fstatSync(fd).size, type: info.type };
  }

  private openNoFollow(runId: string, path: string): number {
    const missing = () =>
      new LightRunError('ARTIFACT_NOT_FOUND', `artifact ${path} of run ${runId} is missing`);
    let current = join(this.dir, runId);
    for (const segment of ['', ...path.split('/')]) {
      current = segment ? join(current, segment) : current;
      let stat: ReturnType<typeof lstatSync>;
      try {
        stat = lstatSync(current);
      } catch {
        // Gone from disk (removed by hand, or mid-eviction): the same answer as never recorded.
        throw missing();
      }
      if (stat.isSymbolicLink()) throw missing();
    }
    try {
      const fd = openSync(current, constants.O_RDONLY | constants.O_NOFOLLOW);
      if (!fstatSync(fd).isFile()) throw missing();
      return fd;
    } catch (err) {
      if (err instanceof LightRunError) throw err;
      throw missing();
    }
  }

  /** The artifacts a run recorded. */
  list(runId: string): ArtifactInfo[] {
    const stored = this.records.get(runId);
    if (!stored) throw new LightRunError('RUN_NOT_FOUND', `run ${runId} not found`);
    return stored.state.artifacts;
  }

  /** Bytes held by every run whose artifacts were not evicted. */
  usageBytes(): number {
    let total = 0;
    for (const { state } of this.records.all()) for (const a of state.artifacts) total += a.bytes;
    return total;
  }

  /**
   * Evicts the artifacts of the oldest finished runs until the store is under its cap.
   * The newest finished run is always kept, so its caller can still fetch what it produced.
   * Returns the ids of the runs evicted.
   */
  enforceCap(): string[] {
    let total = this.usageBytes() + this.otherBytes();
    if (total <= this.capBytes) return [];
    const finished = this.records
      .all()
      .filter((r) => r.state.finishedAt !== null && r.state.artifacts.length > 0)
      .sort((a, b) => (a.state.finishedAt ?? '').localeCompare(b.state.finishedAt ?? ''));
    const evicted: string[] = [];
    for (const { state } of finished.slice(0, -1)) {
      if (total <= this.capBytes) break;
      total -= state.artifacts.reduce((sum, a) => sum + a.bytes, 0);
      this.remove(state.id);
      this.records.updateState(state.id, { artifacts: [], artifactsEvicted: true });
      evicted.push(state.id);
    }
    return evicted;
  }

  /** Deletes a run's artifacts from disk. */
  remove(runId: string): void {
    rmSync(join(this.dir, runId), { recursive: true, force: true });
  }
}
