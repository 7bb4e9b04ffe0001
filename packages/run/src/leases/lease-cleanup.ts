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
      const ids = records
        .all()
        .filter((r) => r.lease === leaseId && !isTerminalStatus(r.state.status))
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
