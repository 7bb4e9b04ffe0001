import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import type { z } from 'zod';
import { runEvent } from '../server/schemas.ts';
import { RemoteError } from './remote-error.ts';

/** One event of a remote run's stream, as validated on arrival (error codes are the remote's strings). */
export type RemoteRunEvent = z.output<typeof runEvent>;

/** How `followEventStream` reaches the stream and paces its reconnects. */
export interface FollowEventStreamOptions {
  /** What the stream is, for messages: e.g. `the events of run 1a2b`. */
  what: string;
  /** Opens the stream, resuming after `lastEventId` when given (sent as `Last-Event-ID`). */
  open: (lastEventId: string | undefined) => Promise<Response>;
  onEvent: (event: RemoteRunEvent) => void;
  signal?: AbortSignal | undefined;
  /** First wait before a reconnect, in milliseconds; doubled per failed attempt. @default 250 */
  retryDelayMs?: number;
  /** Longest wait before a reconnect, in milliseconds. @default 5000 */
  maxRetryDelayMs?: number;
  /** Reconnects in a row that bring no event before giving up. @default 6 */
  maxRetries?: number;
}

/**
 * Whether a failure is the connection's, worth a reconnect: unreachable, a proxy's 502-504
 * while the server restarts, or the body breaking off. Any other answer is the server's word.
 */
function isDrop(error: unknown): boolean {
  if (error instanceof RemoteError) return error.status === 0 || (error.status >= 502 && error.status <= 504);
  return error instanceof Error;
}

/**
 * Reads a run's Server-Sent Events until `run-finished`. When the stream drops before it (the
 * connection breaks, the server restarts), reconnects with backoff and `Last-Event-ID`, so no
 * event is repeated or lost. An HTTP error answer, or an event that is not a run event, ends
 * it with a `RemoteError`; an abort through `signal` ends it with the abort's error.
 */
export async function followEventStream(options: FollowEventStreamOptions): Promise<void> {
  const base = options.retryDelayMs ?? 250;
  const maxDelay = options.maxRetryDelayMs ?? 5_000;
  const maxRetries = options.maxRetries ?? 6;
  let lastEventId: string | undefined;
  let delay = base;
  let failures = 0;
  for (;;) {
    let progressed = false;
    let finished = false;
    let lastError: unknown;
    const parser = createParser({
      onEvent: (message) => {
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch (cause) {
          throw new RemoteError(200, 'BAD_RESPONSE', `${options.what}: an event is not JSON`, { cause });
        }
        const parsed = runEvent.safeParse(data);
        if (!parsed.success)
          throw new RemoteError(200, 'BAD_RESPONSE', `${options.what}: an event is not a run event`, {
            details: parsed.error.issues,
          });
        if (message.id !== undefined) lastEventId = message.id;
        progressed = true;
        if (parsed.data.type === 'run-finished') finished = true;
        options.onEvent(parsed.data);
      },
      onRetry: (ms) => {
        delay = Math.min(ms, maxDelay);
      },
    });
    try {
      const res = await options.open(lastEventId);
      if (!res.body)
        throw new RemoteError(res.status, 'BAD_RESPONSE', `${options.what}: the answer has no body`);
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        if (finished) break;
      }
    } catch (error) {
      if (options.signal?.aborted || !isDrop(error)) throw error;
      lastError = error;
    }
    if (finished) return;
    if (progressed) {
      failures = 0;
      delay = base;
    } else if (++failures > maxRetries) {
      const reason = lastError instanceof Error ? lastError.message : 'the stream ended before run-finished';
      throw new RemoteError(
        0,
        'UNREACHABLE',
        `${options.what}: gave up after ${maxRetries} reconnects (${reason})`,
        {
          cause: lastError,
        },
      );
    }
    await sleep(delay, undefined, options.signal ? { signal: options.signal } : {});
    delay = Math.min(delay * 2, maxDelay);
  }
}
