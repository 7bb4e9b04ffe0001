import pRetry from 'p-retry';
import { LightRunHttpError, LightRunUnreachableError } from './errors.ts';

/** How an idempotent call to light-run is retried: exponential backoff with jitter. */
export interface RetryPolicy {
  /** Attempts after the first one. @default 4 */
  retries: number;
  /** Delay before the first retry, in milliseconds (doubled each time, times a random 1..2). @default 200 */
  minDelayMs: number;
  /** Longest delay between two attempts, in milliseconds. @default 1500 */
  maxDelayMs: number;
}

/** The default policy: 4 retries over about 3 to 6 s (long enough for light-run to restart). */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  retries: 4,
  minDelayMs: 200,
  maxDelayMs: 1_500,
});

/** No retry at all (e.g. a caller that polls by itself). */
export const NO_RETRY: Readonly<RetryPolicy> = Object.freeze({ retries: 0, minDelayMs: 0, maxDelayMs: 0 });

/**
 * Whether a failure of an idempotent call may pass by retrying: light-run unreachable
 * (restarting, a dropped connection) or answering 502/503/504. Never a 4xx: asking again
 * would get the same answer.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof LightRunUnreachableError) return true;
  return error instanceof LightRunHttpError && [502, 503, 504].includes(error.status);
}

/**
 * Calls `attempt` until it resolves, retrying transient failures with `policy`; an abort of
 * `signal` stops at once with its reason. Only for idempotent calls (GETs): a retried POST
 * could act twice.
 */
export function retryIdempotent<T>(
  attempt: () => Promise<T>,
  policy: Readonly<RetryPolicy> = DEFAULT_RETRY,
  signal?: AbortSignal,
): Promise<T> {
  if (policy.retries === 0) return attempt();
  return pRetry(attempt, {
    retries: policy.retries,
    factor: 2,
    minTimeout: policy.minDelayMs,
    maxTimeout: policy.maxDelayMs,
    randomize: true,
    shouldRetry: ({ error }) => isTransient(error) && !signal?.aborted,
    ...(signal ? { signal } : {}),
  });
}
