import { engineStatus } from '../engine/engine.ts';
import { ContainerLostError } from '../errors.ts';
import { LABELS } from '../labels.ts';
import { pumpLogs } from '../logs/pump-logs.ts';
import type { RunRecord } from '../state/run-record.ts';
import type { RunResult } from '../types.ts';
import type { Execution } from './execution.ts';
import { finalize, type Outcome } from './finalize.ts';
import type { RunContext } from './run-context.ts';

/**
 * Watches a run that another process (or an earlier life of this one) started: follows
 * its logs from the beginning, keeps enforcing its timeout, waits for the exit and
 * finalizes it. A container that no longer exists ends the run as CONTAINER_LOST, unless
 * its owner already finalized it.
 */
export async function watchAttached(ctx: RunContext, exec: Execution, record: RunRecord): Promise<RunResult> {
  exec.status = record.status;
  const containerId = record.containerId ?? (await findContainer(ctx, record.id));
  exec.containerCreated(containerId);
  const outcome: Outcome = { containerId, exitCode: null, startedAt: record.startedAt, finishedAt: '' };
  if (!containerId) {
    outcome.failure = new ContainerLostError(record.id, 'its container no longer exists');
  } else {
    if (record.timeoutMs && record.startedAt) {
      exec.armTimeout(Date.parse(record.startedAt) + record.timeoutMs - Date.now());
    }
    try {
      const logs = ctx.engine.followLogs(containerId).then(
        (stream) => pumpLogs(stream, (line) => exec.emit(line)),
        (err: unknown) => {
          // A container gone already is reported by the wait below; other failures only cost logs.
          if (engineStatus(err) !== 404)
            ctx.options.log(`light-runner: logs of run ${record.id}: ${String(err)}`);
        },
      );
      const exit = await ctx.engine.wait(containerId, 'not-running');
      outcome.exitCode = exit.exitCode;
      await logs;
    } catch (err) {
      if (engineStatus(err) !== 404) throw err;
      outcome.failure = new ContainerLostError(record.id, `its container ${containerId} no longer exists`);
    }
  }
  outcome.finishedAt = new Date().toISOString();
  exec.containerExited();
  return finalize(ctx, exec, record, outcome);
}

async function findContainer(ctx: RunContext, runId: string): Promise<string | undefined> {
  const found = await ctx.engine.listContainers([`${LABELS.runId}=${runId}`]);
  return found[0]?.Id;
}
