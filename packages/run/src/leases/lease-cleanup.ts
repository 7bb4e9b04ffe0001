import { setTimeout as sleep } from 'node:timers/promises';
import type { RunManager } from '../runs/run-manager.ts';
import { isTerminalStatus, type RunRecords } from '../runs/run-records.ts';
import type { NetworkPort } from '../server/context.ts';
import type { LeaseCleanup } from './lease-registry.ts';

/** Attempts at removing a lease's network that is still in use (containers are removed asynchronously). */
const REMOVE_ATTEMPTS = 5;
const REMOVE_PAUSE_MS = 500;

/** Ending a lease through the run manager and the runner's networks. */
export function leaseCleanup(manager: RunManager, records: RunRecords, networks: NetworkPort): LeaseCleanup {
  return {
    async cancelRuns(leaseId) {
      return cancelWhere(manager, records, (lease) => lease === leaseId);
    },
    async removeNetwork(name) {
      for (let attempt = 1; ; attempt++) {
        try {
          await networks.remove(name);
          return true;
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          if (code === 'NETWORK_NOT_FOUND') return false;
          if (code !== 'NETWORK_IN_USE' || attempt >= REMOVE_ATTEMPTS) throw err;
          await sleep(REMOVE_PAUSE_MS * attempt);
        }
      }
    },
  };
}

/**
 * Cancels the unfinished runs whose lease is gone: a crash between the end of a lease and its
 * cleanup, or a lease file that could not be read, must not leave them running. Run at start,
 * once the leases are loaded; resolves with the ids it cancelled.
 */
export async function cancelOrphanedRuns(
  manager: RunManager,
  records: RunRecords,
  isLive: (leaseId: string) => boolean,
): Promise<string[]> {
  return cancelWhere(manager, records, (lease) => !isLive(lease));
}

/** Cancels the unfinished runs whose lease matches; resolves with their ids once cancelled. */
async function cancelWhere(
  manager: RunManager,
  records: RunRecords,
  matches: (leaseId: string) => boolean,
): Promise<string[]> {
  const ids = records
    .all()
    .filter((r) => r.lease !== undefined && matches(r.lease) && !isTerminalStatus(r.state.status))
    .map((r) => r.state.id);
  await Promise.all(
    ids.map((id) =>
      manager.cancel(id).catch((err: unknown) => {
        // It ended by itself meanwhile: nothing is left to cancel.
        if ((err as { code?: unknown }).code !== 'RUN_NOT_ACTIVE') throw err;
      }),
    ),
  );
  return ids;
}
