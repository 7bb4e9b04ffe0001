import type { LogStore } from './log-store.ts';
import type { RunManager } from './run-manager.ts';
import { isTerminalStatus, type RunRecords } from './run-records.ts';
import type { RunnerPort } from './runner-port.ts';

/** What recovery works with. */
export interface RecoveryDeps {
  manager: RunManager;
  runner: RunnerPort;
  records: RunRecords;
  logs: LogStore;
  log: (line: string) => void;
}

/** What the start found: runs re-attached, runs marked lost. */
export interface RecoveryReport {
  reattached: string[];
  lost: string[];
}

function isEngineDown(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'ENGINE_UNREACHABLE';
}

/**
 * Brings the records of a previous light-run process up to date: detached runs that still
 * run are re-attached (logs keep flowing to their file, callbacks still fire), runs that
 * cannot be found again are marked failed with code `LOST`, orphaned containers are
 * reaped, and callbacks that were still pending are sent again.
 */
export async function recoverRuns(deps: RecoveryDeps): Promise<RecoveryReport> {
  const { manager, runner, records, logs, log } = deps;
  const report: RecoveryReport = { reattached: [], lost: [] };
  const lost = (id: string, message: string) => {
    manager.finish(id, {
      status: 'failed',
      exitCode: null,
      startedAt: records.get(id)?.state.startedAt ?? null,
      finishedAt: new Date().toISOString(),
      durationMs: 0,
      artifacts: [],
      error: { code: 'LOST', message },
    });
    report.lost.push(id);
  };
  for (const { state, service = false } of records.all()) {
    if (isTerminalStatus(state.status)) continue;
    if (state.status === 'queued') {
      lost(state.id, 'light-run stopped before this run started');
      continue;
    }
    if (!state.detached) {
      lost(state.id, 'light-run stopped while this synchronous run was in flight');
      continue;
    }
    logs.reopen(state.id);
    manager.occupySlot(state.id, service);
    try {
      const handle = await runner.attach(state.id, {
        onLog: (line) => logs.append(state.id, line),
        onNode: (node) => records.updateState(state.id, { node }),
      });
      const view = await runner.get(state.id);
      try {
        records.updateState(state.id, { status: view?.status === 'paused' ? 'paused' : 'running' });
      } catch (err) {
        // The memory copy holds the status; the disk catches up with the next write that fits.
        log(`light-run: ${(err as Error).message}`);
      }
      manager.watch(state.id, handle, false);
      report.reattached.push(state.id);
    } catch (err) {
      manager.releaseSlot(state.id);
      if (isEngineDown(err)) {
        // The run may well be alive; the next start (with the engine up) will know.
        logs.close(state.id);
        log(`light-run: cannot re-attach run ${state.id}: the Docker engine does not answer`);
        continue;
      }
      lost(state.id, `light-run restarted and could not re-attach the run: ${(err as Error).message}`);
    }
  }
  await runner.reapOrphans().catch((err: unknown) => {
    // Reaping is housekeeping; a failure must not keep light-run from serving.
    log(`light-run: reaping orphaned containers failed: ${(err as Error).message}`);
  });
  for (const { state } of records.all()) manager.sendCallback(state.id);
  return report;
}
