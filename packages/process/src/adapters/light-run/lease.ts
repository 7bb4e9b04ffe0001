import type { RunLease } from '../../engine/step-runner.ts';
import { LightRunHttpError } from './errors.ts';
import type { LeaseResponse } from './wire.ts';

/** The lease calls of `LightRunClient` that a held lease makes (structural, to avoid a cycle). */
export interface LeaseCalls {
  readonly url: string;
  renewLease(id: string, options?: { timeoutMs?: number }): Promise<LeaseResponse>;
  releaseLease(id: string): Promise<void>;
}

/**
 * A lease held on light-run: renewed every `ttlMs / 3` by an unref'd timer (it never keeps
 * the process alive), released by `release()`. When renewals stop (the process died, or
 * cannot reach light-run) for `ttlMs`, light-run cancels the lease's runs and removes its
 * networks.
 */
export class HeldLease implements RunLease {
  readonly id: string;
  /** Time to live granted by light-run, in milliseconds. */
  readonly ttlMs: number;
  private readonly timer: NodeJS.Timeout;
  private renewing = false;
  private released = false;

  constructor(
    private readonly client: LeaseCalls,
    granted: LeaseResponse,
    private readonly warn: (message: string) => void,
  ) {
    this.id = granted.id;
    this.ttlMs = granted.ttlMs;
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(granted.ttlMs / 3)));
    this.timer.unref();
  }

  /**
   * Stops renewing and deletes the lease (`DELETE /leases/:id`); a lease already gone is fine.
   * Never throws: a lease that cannot be released expires by itself within its ttl and ends
   * what it still holds, so a failed release is a warning, not a failure of the work.
   */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    try {
      await this.client.releaseLease(this.id);
    } catch (error) {
      this.warn(
        `releasing lease ${this.id} failed (it expires within ${this.ttlMs} ms): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.released) return;
    this.renewing = true;
    try {
      // Bounded by a third of the ttl: one hanging renewal must not let the lease lapse.
      await this.client.renewLease(this.id, { timeoutMs: Math.max(1000, Math.floor(this.ttlMs / 3)) });
    } catch (error) {
      if (error instanceof LightRunHttpError && error.status === 404) {
        // Expired on light-run: it has cancelled the runs of this lease; renewing again cannot help.
        clearInterval(this.timer);
        this.warn(
          `lease ${this.id} on light-run at ${this.client.url} expired: light-run cancelled its runs`,
        );
      } else {
        // Transient (light-run restarting, network blip): the next tick tries again within the ttl.
        this.warn(
          `renewing lease ${this.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    } finally {
      this.renewing = false;
    }
  }
}
