import { ApiRequestError, request } from './api.ts';
import type { RunEvent } from './types.ts';

function parseBlock(block: string): RunEvent | undefined {
  const data = block
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice(6))
    .join('\n');
  return data ? (JSON.parse(data) as RunEvent) : undefined;
}

/**
 * Follows `GET /api/runs/:id/events`. EventSource cannot send an Authorization header, so
 * the stream is read with fetch and parsed here; the API key travels in the header as
 * everywhere else. Resolves when the stream ends (after `run-finished`) or `signal` aborts.
 */
export async function followRunEvents(
  runId: string,
  onEvent: (event: RunEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  try {
    const response = await request(`/api/runs/${encodeURIComponent(runId)}/events`, {
      headers: { accept: 'text/event-stream' },
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
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const event = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) onEvent(event);
        end = buffer.indexOf('\n\n');
      }
    }
  } catch (error) {
    if (signal.aborted) return; // the page was left: not an error
    throw error;
  }
}
