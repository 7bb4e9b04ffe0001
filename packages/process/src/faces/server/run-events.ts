import type { RunEvent } from './event-types.ts';
import type { RunRecord } from './store/types.ts';

/** Receives the events of a run as they happen. */
export type RunEventListener = (event: RunEvent) => void;

/**
 * The events of one live run: kept so a late subscriber gets a replay, then fanned out to
 * subscribers. Log lines past `logLinesPerNode` are streamed but not kept for replays.
 */
export class RunEventLog {
  readonly #events: RunEvent[] = [];
  readonly #listeners = new Set<RunEventListener>();
  readonly #logCounts = new Map<string, number>();
  readonly #logCap: number;

  constructor(logLinesPerNode: number) {
    this.#logCap = logLinesPerNode;
  }

  /** Records an event and hands it to every subscriber. */
  push(event: RunEvent): void {
    if (event.type === 'log') {
      const count = (this.#logCounts.get(event.nodeId) ?? 0) + 1;
      this.#logCounts.set(event.nodeId, count);
      if (count <= this.#logCap) this.#events.push(event);
    } else {
      this.#events.push(event);
    }
    for (const listener of this.#listeners) listener(event);
  }

  /** The events so far, then every new one through `listener` until `unsubscribe` is called. */
  subscribe(listener: RunEventListener): { replay: readonly RunEvent[]; unsubscribe: () => void } {
    this.#listeners.add(listener);
    return { replay: [...this.#events], unsubscribe: () => this.#listeners.delete(listener) };
  }
}

/** The events a finished (or interrupted) run would have streamed, rebuilt from its record. */
export function eventsFromRecord(run: RunRecord): RunEvent[] {
  const events: RunEvent[] = [];
  for (const node of run.nodes) {
    events.push({
      type: 'node-started',
      runId: run.id,
      nodeId: node.nodeId,
      iteration: node.iterations,
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
  if (run.status !== 'running') {
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
