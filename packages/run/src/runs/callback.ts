import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunState } from '../api/schemas.ts';

/** Header that carries `sha256=<hex HMAC-SHA256 of the exact body>`. */
export const SIGNATURE_HEADER = 'x-light-signature';
/** Header that carries the run id, so a receiver can route before parsing. */
export const RUN_ID_HEADER = 'x-light-run-id';

/** `sha256=<hex>`: HMAC-SHA256 of `body` (the exact bytes sent) keyed with `secret`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** How one delivery ended. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'abandoned';

/** How callbacks are delivered. */
export interface CallbackOptions {
  /** Pauses between attempts, in ms; the number of attempts is one more than its length. */
  retryDelaysMs: readonly number[];
  /** Time allowed for one attempt, in ms. */
  timeoutMs: number;
  log: (line: string) => void;
}

/**
 * POSTs final run states to callback URLs, retrying with backoff. Delivery runs beside
 * the run and never delays it; `close()` abandons attempts in flight (they stay pending
 * in the run record and are retried by the next start).
 */
export class CallbackSender {
  private readonly abort = new AbortController();

  constructor(private readonly options: CallbackOptions) {}

  /**
   * Resolves `delivered` once a 2xx answer came, `failed` when every attempt failed, and
   * `abandoned` when the sender was closed first.
   */
  async deliver(url: string, secret: string | undefined, state: RunState): Promise<DeliveryOutcome> {
    const body = JSON.stringify(state);
    const headers: Record<string, string> = { 'content-type': 'application/json', [RUN_ID_HEADER]: state.id };
    if (secret !== undefined) headers[SIGNATURE_HEADER] = signBody(secret, body);
    const delays = [0, ...this.options.retryDelaysMs];
    for (const [attempt, delay] of delays.entries()) {
      if (this.abort.signal.aborted) return 'abandoned';
      if (delay > 0) {
        // An aborted sleep rejects: that is the sender closing, not a failure to report.
        const slept = await sleep(delay, true, { signal: this.abort.signal }).catch(() => false);
        if (!slept) return 'abandoned';
      }
      const outcome = await this.attempt(url, headers, body);
      if (outcome === 'ok') return 'delivered';
      if (this.abort.signal.aborted) return 'abandoned';
      this.options.log(`light-run: callback for run ${state.id} attempt ${attempt + 1} failed: ${outcome}`);
    }
    return 'failed';
  }

  private async attempt(url: string, headers: Record<string, string>, body: string): Promise<string> {
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs)]);
      const res = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'error' });
      await res.body?.cancel();
      return res.ok ? 'ok' : `HTTP ${res.status}`;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** Abandons every delivery in flight. */
  close(): void {
    this.abort.abort();
  }
}
