import type { RunState } from '../api/schemas.ts';
import type { RunRecords } from './run-records.ts';
import type { RunResult } from './runner-port.ts';

/** The first state of a new run: queued, nothing known yet. */
export function queuedState(id: string, image: string, detached: boolean): RunState {
  return {
    id,
    status: 'queued',
    image,
    detached,
    createdAt: new Date().toISOString(),
    exitCode: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    artifacts: [],
  };
}

/** A failed result for a run the runner could not even take; the error keeps its code when it has one. */
export function failedResult(id: string, err: unknown): RunResult {
  const raw = (err as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : 'INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  const now = new Date().toISOString();
  return {
    id,
    status: 'failed',
    exitCode: null,
    startedAt: null,
    finishedAt: now,
    durationMs: 0,
    artifacts: [],
    error: { code, message },
  };
}

/**
 * The disk refused a run's final state: the run fails with `STATE_WRITE_FAILED` (naming
 * the file), logged once; the memory copy holds it when the disk still refuses.
 */
export function failOnWriteError(
  records: RunRecords,
  id: string,
  err: unknown,
  log: (line: string) => void,
): void {
  const message = err instanceof Error ? err.message : String(err);
  log(`light-run: run ${id} fails: ${message}`);
  const stored = records.get(id);
  if (!stored || stored.state.error?.code === 'STATE_WRITE_FAILED') return;
  const state: RunState = {
    ...stored.state,
    status: 'failed',
    error: { code: 'STATE_WRITE_FAILED', message },
  };
  try {
    records.put({ ...stored, state });
  } catch {
    // Still refused: `put` set the memory copy before writing, and that is what this process serves.
  }
}
