import type {
  NodeRetryPolicy,
  RetryOn,
  WorkflowDefinition,
  WorkflowNode,
} from '../definition/definitions.ts';

/** A retry policy with every default filled in. */
export interface ResolvedRetry {
  /** Attempts in all (1: no retry). */
  attempts: number;
  initialMs: number;
  factor: number;
  maxMs: number;
  jitter: boolean;
  on: ReadonlySet<RetryOn>;
}

/** The failures retried when a policy has no `on`: every one but an invalid output. */
export const DEFAULT_RETRY_ON: readonly RetryOn[] = ['failed', 'timeout', 'lost', 'out_of_memory'];

const NO_RETRY: ResolvedRetry = {
  attempts: 1,
  initialMs: 1000,
  factor: 2,
  maxMs: 60_000,
  jitter: true,
  on: new Set(DEFAULT_RETRY_ON),
};

/** The policy of one node: its own `retry`, else the workflow's `defaults.retry`, else one attempt. */
export function resolveRetry(
  node: Pick<WorkflowNode, 'retry'>,
  defaults?: WorkflowDefinition['defaults'],
): ResolvedRetry {
  const policy: NodeRetryPolicy | undefined = node.retry ?? defaults?.retry;
  if (!policy) return NO_RETRY;
  return {
    attempts: policy.attempts,
    initialMs: policy.backoff?.initialMs ?? NO_RETRY.initialMs,
    factor: policy.backoff?.factor ?? NO_RETRY.factor,
    maxMs: policy.backoff?.maxMs ?? NO_RETRY.maxMs,
    jitter: policy.backoff?.jitter ?? NO_RETRY.jitter,
    on: new Set(policy.on ?? DEFAULT_RETRY_ON),
  };
}

/**
 * Milliseconds to wait after attempt `failed` (1-based) failed: `initialMs * factor^(failed-1)`,
 * at most `maxMs`; with jitter, a uniform draw between half of it and all of it (so waits
 * still grow, and retries of many nodes do not fire in step).
 */
export function retryDelayMs(
  policy: ResolvedRetry,
  failed: number,
  random: () => number = Math.random,
): number {
  const computed = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, failed - 1));
  if (!policy.jitter) return Math.round(computed);
  return Math.round(computed / 2 + random() * (computed / 2));
}

/** Whether an attempt that failed as `kind` gets another attempt (`undefined`: never retried). */
export function shouldRetry(policy: ResolvedRetry, kind: RetryOn | undefined, attempt: number): boolean {
  return kind !== undefined && attempt < policy.attempts && policy.on.has(kind);
}

/**
 * Resolves after `ms`, or at once (with `false`) when `signal` aborts: a cancel during a
 * backoff wait ends the wait immediately.
 */
export function backoffWait(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
