import { createParser } from 'eventsource-parser';
import { ApiRequestError, request } from './api.ts';
import type { RunEvent } from './types.ts';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Follows `GET /api/runs/:id/events` until `run-finished`. EventSource cannot send an
 * Authorization header, so the stream is read with fetch and parsed with eventsource-parser;
 * the API key travels in the header as everywhere else. When the stream drops before the end
 * it is reopened with backoff and `Last-Event-ID`, so each event reaches `onEvent` once.
 * Resolves after `run-finished` or when `signal` aborts; rejects when the server answers an
 * error (no such run, ...).
 */
export async function followRunEvents(
  runId: string,
  onEvent: (event: RunEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  let lastEventId: string | undefined;
  let delay = FIRST_RETRY_MS;
  let finished = false;
  const parser = createParser({
    onEvent: (message) => {
      if (message.id !== undefined) lastEventId = message.id;
      const event = JSON.parse(message.data) as RunEvent;
      finished ||= event.type === 'run-finished';
      onEvent(event);
    },
    onRetry: (ms) => {
      delay = Math.min(ms, MAX_RETRY_MS);
    },
  });
  while (!signal.aborted) {
    parser.reset();
    let progressed = false;
    try {
      const response = await request(`/api/runs/${encodeURIComponent(runId)}/events`, {
        headers: {
          accept: 'text/event-stream',
          ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
        },
        signal,
      });
      if (!response.ok || !response.body) {
        throw new ApiRequestError(
          response.status,
          'EVENTS_UNAVAILABLE',
          `the event stream answered ${response.status}`,
        );
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const before = lastEventId;
        parser.feed(value);
        progressed ||= lastEventId !== before;
        if (finished) return;
      }
    } catch (error) {
      if (signal.aborted) return; // the page was left: not an error
      if (error instanceof ApiRequestError) throw error; // the server's answer, not a drop
      // A dropped connection is retried below; the console keeps the reason for whoever looks.
      console.warn('run event stream broke', error);
    }
    if (finished) return;
    if (progressed) delay = FIRST_RETRY_MS;
    await pause(delay, signal);
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
}
