import type { RunEvent } from './event-types.ts';
import type { NodeRetry } from './store/history-store.ts';
import type { RunRecord } from './store/types.ts';

/** An event with its id: its place in the run's event sequence, from 1, the same on every stream. */
export interface NumberedEvent {
  id: number;
  event: RunEvent;
}

/** Receives the events of a run as they happen. */
export type RunEventListener = (numbered: NumberedEvent) => void;

/**
 * The events of one live run: kept so a late subscriber gets a replay, then fanned out to
 * subscribers. Every event gets the next id, so a client that reconnects with the last id
 * it saw resumes without gaps or repeats. Log lines past `logLinesPerNode` are streamed
 * (and numbered) but not kept for replays.
 */
export class RunEventLog {
  readonly #events: NumberedEvent[] = [];
  readonly #listeners = new Set<RunEventListener>();
  readonly #logCounts = new Map<string, number>();
  readonly #logCap: number;
  #lastId = 0;

  constructor(logLinesPerNode: number) {
    this.#logCap = logLinesPerNode;
  }

  /** Whether `run-finished` has been pushed: nothing follows it. */
  get finished(): boolean {
    return this.#events.at(-1)?.event.type === 'run-finished';
  }

  /** Numbers an event, records it and hands it to every subscriber. */
  push(event: RunEvent): void {
    const numbered = { id: ++this.#lastId, event };
    if (event.type === 'node-progress') {
      // Not kept: 10,000 elements would mean 10,000 replayed events; the run record has the counts.
    } else if (event.type === 'log') {
      const count = (this.#logCounts.get(event.nodeId) ?? 0) + 1;
      this.#logCounts.set(event.nodeId, count);
      if (count <= this.#logCap) this.#events.push(numbered);
    } else {
      this.#events.push(numbered);
    }
    for (const listener of this.#listeners) listener(numbered);
  }

  /** The events kept so far (what a replay sends). */
  snapshot(): readonly NumberedEvent[] {
    return [...this.#events];
  }

  /** The events so far, then every new one through `listener` until `unsubscribe` is called. */
  subscribe(listener: RunEventListener): { replay: readonly NumberedEvent[]; unsubscribe: () => void } {
    this.#listeners.add(listener);
    return { replay: [...this.#events], unsubscribe: () => this.#listeners.delete(listener) };
  }
}

/** The events a finished (or interrupted) run would have streamed, rebuilt from its record. */
export function eventsFromRecord(run: RunRecord, retries: readonly NodeRetry[] = []): RunEvent[] {
  const events: RunEvent[] = [];
  for (const node of run.nodes) {
    for (const retry of retries) {
      if (retry.nodeId === node.nodeId) events.push({ type: 'node-retrying', runId: run.id, ...retry });
    }
    events.push({
      type: 'node-started',
      runId: run.id,
      nodeId: node.nodeId,
      iteration: node.iterations,
      attempt: Math.max(1, node.attempts),
      time: node.startedAt,
    });
    for (const log of node.logs) events.push({ type: 'log', runId: run.id, nodeId: node.nodeId, ...log });
    if (node.status !== 'running') {
      events.push({
        type: 'node-finished',
        runId: run.id,
        nodeId: node.nodeId,
        status: node.status,
        exitCode: node.exitCode,
        durationMs: node.durationMs,
        output: node.output,
        error: node.error,
        time: node.finishedAt ?? node.startedAt,
      });
    }
  }
  if (run.status !== 'running' && run.status !== 'queued') {
    events.push({
      type: 'run-finished',
      runId: run.id,
      status: run.status,
      error: run.error,
      time: run.finishedAt ?? run.createdAt,
    });
  }
  return events;
}
