import type { CallbackSender } from './callback.ts';
import { isTerminalStatus, type RunRecords } from './run-records.ts';

/**
 * Sends the pending callback of finished runs in the background (never twice at once for
 * one run) and records it as sent, or as given up on, once delivery ended.
 */
export class CallbackDelivery {
  private readonly delivering = new Set<string>();

  constructor(
    private readonly records: RunRecords,
    private readonly callbacks: CallbackSender,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts delivering run `id`'s callback when one is pending and the run is finished; the run never waits for it. */
  send(id: string): void {
    const stored = this.records.get(id);
    const target = stored?.callback;
    if (!stored || !target?.pending || !isTerminalStatus(stored.state.status) || this.delivering.has(id))
      return;
    this.delivering.add(id);
    void this.callbacks.deliver(target.url, target.secret, stored.state).then((outcome) => {
      this.delivering.delete(id);
      const now = this.records.get(id);
      if (outcome === 'abandoned' || !now?.callback) return;
      if (outcome === 'failed') this.log(`light-run: giving up the callback of run ${id} to ${target.url}`);
      try {
        this.records.put({ ...now, callback: { ...now.callback, pending: false } });
      } catch (err) {
        // The next start sends it once more: a duplicate callback, which receivers must expect anyway.
        this.log(`light-run: could not record the callback of run ${id} as sent: ${(err as Error).message}`);
      }
    });
  }
}
