import type { RunState } from '../api/schemas.ts';
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
