import { type AttemptArgs, type AttemptEnd, runNodeAttempt } from './node-attempt.ts';
import { backoffWait, type ResolvedRetry, retryDelayMs, shouldRetry } from './retry-policy.ts';
import type { StepLogLine } from './step-runner.ts';
import type { NodeErrorCode } from './types.ts';

/** A failed attempt that will be followed by another one after `delayMs`. */
export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  /** Attempts in all. */
  of: number;
  /** The wait before the next attempt, in milliseconds. */
  delayMs: number;
  /** Why the attempt failed. */
  reason: { code: NodeErrorCode; message: string };
  /** The reason in a few words, for progress lines: `exit 1`, `timeout`, `out of memory`... */
  summary: string;
}

/** What `runNodeAttempts` needs: one attempt's arguments, the policy and the attempt callbacks. */
export interface NodeAttemptsArgs extends Omit<AttemptArgs, 'onLog'> {
  policy: ResolvedRetry;
  /** Called before each attempt's container is submitted. */
  onAttemptStart?: (attempt: number) => void;
  /** Every log line, with the attempt that printed it. */
  onLog: (line: StepLogLine, attempt: number) => void;
  /** Called when an attempt failed and another follows, before the wait. */
  onRetry?: (event: RetryEvent) => void;
  /** Jitter source. @default Math.random */
  random?: () => number;
}

/** How the last attempt ended, and how many attempts were made. */
export interface NodeAttemptsEnd extends AttemptEnd {
  attempts: number;
}

/**
 * Runs a node under its retry policy: each attempt is a new container with the same input
 * (the node's timeout applies per attempt); a failure whose kind the policy lists is retried
 * after the backoff wait. Aborting `signal` cancels the running attempt, or ends a wait at
 * once (the node then ends `cancelled`). A map node's elements go through here one by one.
 */
export async function runNodeAttempts(args: NodeAttemptsArgs): Promise<NodeAttemptsEnd> {
  const { policy, signal } = args;
  for (let attempt = 1; ; attempt++) {
    args.onAttemptStart?.(attempt);
    const end = await runNodeAttempt({ ...args, onLog: (line) => args.onLog(line, attempt) });
    if (end.status === 'succeeded' || signal.aborted || !shouldRetry(policy, end.kind, attempt))
      return { ...end, attempts: attempt };
    const delayMs = retryDelayMs(policy, attempt, args.random);
    args.onRetry?.({
      attempt,
      of: policy.attempts,
      delayMs,
      reason: { code: end.code ?? 'NODE_FAILED', message: end.message ?? '' },
      summary: summarize(end),
    });
    if (!(await backoffWait(delayMs, signal))) {
      return {
        ...end,
        status: 'cancelled',
        code: 'NODE_CANCELLED',
        message: `node "${args.node.id}" was cancelled while waiting to retry (after attempt ${attempt} of ${policy.attempts})`,
        attempts: attempt,
      };
    }
  }
}

function summarize(end: AttemptEnd): string {
  switch (end.kind) {
    case 'timeout':
      return 'timeout';
    case 'out_of_memory':
      return 'out of memory';
    case 'lost':
      return 'lost';
    case 'output_invalid':
      return 'output invalid';
    default:
      return end.exitCode === null ? 'failed' : `exit ${end.exitCode}`;
  }
}
