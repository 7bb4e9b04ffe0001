/** Why a workflow was asked to stop. */
export type StopCode = 'WORKFLOW_CANCELLED' | 'WORKFLOW_TIMEOUT';

/** Turns the caller's AbortSignal and the workflow timeout into one stop event. */
export class WorkflowStopper {
  private readonly controller = new AbortController();
  private readonly listeners: ((code: StopCode) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => this.trigger('WORKFLOW_CANCELLED');
  /** Set once the workflow was asked to stop. */
  reason: StopCode | undefined;

  /** `timeoutMs` 0: no timeout. */
  constructor(
    timeoutMs: number,
    private readonly external: AbortSignal | undefined,
  ) {
    if (timeoutMs > 0) this.timer = setTimeout(() => this.trigger('WORKFLOW_TIMEOUT'), timeoutMs);
    if (external?.aborted) this.trigger('WORKFLOW_CANCELLED');
    else external?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Aborted when the workflow stops (used while services start). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Calls `listener` when the workflow stops (at once if it already did). */
  onStop(listener: (code: StopCode) => void): void {
    if (this.reason) listener(this.reason);
    else this.listeners.push(listener);
  }

  /** Releases the timer and the signal listener. */
  dispose(): void {
    clearTimeout(this.timer);
    this.external?.removeEventListener('abort', this.onAbort);
  }

  private trigger(code: StopCode): void {
    if (this.reason) return;
    this.reason = code;
    this.controller.abort();
    for (const listener of this.listeners) listener(code);
  }
}
