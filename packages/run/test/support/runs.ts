import type { RunState } from '../../src/index.ts';
import type { TestServer } from './server.ts';

/** Starts a detached run and returns its 202 state. */
export async function startDetached(t: TestServer, body: Record<string, unknown>): Promise<RunState> {
  const res = await t.post('/run', { ...body, detached: true });
  if (res.status !== 202) throw new Error(`POST /run answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as RunState;
}

/** A run's plain-text log so far. */
export async function logText(t: TestServer, id: string): Promise<string> {
  return (await t.api(`/runs/${id}/logs`)).text();
}

/**
 * Polls a run's log until it contains `text` (the run is observably doing its work).
 * Gives up after `withinMs`, a "did not hang" bound, not a timing assertion.
 */
export async function waitForLog(
  t: TestServer,
  id: string,
  text: string,
  withinMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const log = await logText(t, id);
    if (log.includes(text)) return log;
    if (Date.now() > deadline)
      throw new Error(`run ${id} never printed ${JSON.stringify(text)}; log:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Long-polls a run until it is terminal. */
export async function waitForEnd(t: TestServer, id: string): Promise<RunState> {
  for (let i = 0; i < 10; i++) {
    const state = (await (await t.api(`/runs/${id}?wait=30s`)).json()) as RunState;
    if (!['queued', 'running', 'paused'].includes(state.status)) return state;
  }
  throw new Error(`run ${id} did not end within 300 s`);
}

/** Runs synchronously and returns the final state (asserting a 200). */
export async function runSync(t: TestServer, body: Record<string, unknown>): Promise<RunState> {
  const res = await t.post('/run', body);
  if (res.status !== 200) throw new Error(`POST /run answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as RunState;
}
