import type { FastifyBaseLogger } from 'fastify';
import type { ServerRunner } from './options.ts';
import type { HistoryStore } from './store/history-store.ts';

/** The reason an interrupted run is marked failed with. */
export const INTERRUPTED_REASON = 'light serve stopped while the run was in flight';

/**
 * Marks the runs a previous process left `running` as failed, cancels the light-run runs
 * they had in flight and removes their run-scoped networks. Clean-up failures are logged:
 * the history is already right, and light-run's own reaper is the last line of defence.
 */
export async function recoverInterruptedRuns(
  store: HistoryStore,
  runner: ServerRunner,
  log: FastifyBaseLogger,
): Promise<string[]> {
  const interrupted = store.markInterrupted(INTERRUPTED_REASON);
  for (const run of interrupted) {
    log.warn({ runId: run.runId }, `run marked failed: ${INTERRUPTED_REASON}`);
    for (const id of run.lightRunIds) {
      await runner.cancel(id).catch((error: unknown) => {
        log.warn(
          { err: error, runId: run.runId, lightRunId: id },
          'could not cancel a container run left in flight',
        );
      });
    }
    // The executor names a run's networks lp-<runId>- (the server passes its own run id).
    const prefix = `lp-${run.runId}-`;
    await runner.cleanupNetworks({ prefix }).catch((error: unknown) => {
      log.warn({ err: error, runId: run.runId, prefix }, 'could not remove the networks of a run');
    });
  }
  return interrupted.map((r) => r.runId);
}
