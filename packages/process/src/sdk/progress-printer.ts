import pc from 'picocolors';
import type { ExecuteOptions, MapProgress, NodeResult } from '../engine/types.ts';

/** Options of `createProgressPrinter`. */
export interface ProgressPrinterOptions {
  /** Where to write (progress and logs belong on stderr). */
  write: (text: string) => void;
  /** Redraw a live per-node status block (a terminal); otherwise print plain lines. @default false */
  live?: boolean;
  /** Colour the output. @default false */
  color?: boolean;
  /** Node ids in display order (the status block lists them all from the start). */
  nodeIds: readonly string[];
}

/** The execute callbacks that print, `note(line)` for other lines, and `close()` to stop redrawing. */
export type ProgressPrinter = Required<
  Pick<ExecuteOptions, 'onNodeStart' | 'onNodeEnd' | 'onLog' | 'onElementEnd' | 'onNodeRetry'>
> & {
  /** Prints a line that is not a node log (e.g. light-run's own log), dimmed. */
  note(line: string): void;
  /** Stops redrawing and leaves the final status block in place. */
  close(): void;
};

interface Row {
  state: string;
  startedAt?: number;
  durationMs?: number;
  iteration: number;
  /** A map node's elements: `[done/total]` after its state. */
  map?: MapProgress;
  /** When plain mode last printed this map's progress (epoch ms). */
  printedAt?: number;
}

// Plain mode prints a map's progress at most this often (and on every failed element).
const PLAIN_PROGRESS_MS = 1000;

/**
 * Prints a workflow's progress: node logs prefixed by node id, and node states with their
 * durations. Live mode keeps a status block under the logs and redraws it in place;
 * plain mode prints one line per event (for pipes, files and CI logs).
 */
export function createProgressPrinter(options: ProgressPrinterOptions): ProgressPrinter {
  const c = pc.createColors(options.color ?? false);
  const rows = new Map<string, Row>(options.nodeIds.map((id) => [id, { state: 'waiting', iteration: 0 }]));
  const width = Math.min(24, Math.max(4, ...options.nodeIds.map((id) => id.length)));
  let drawn = 0;
  const paint = (state: string): string =>
    state === 'succeeded'
      ? c.green(state)
      : state === 'running'
        ? c.cyan(state)
        : state === 'retrying' || state === 'cached' || state === 'reused'
          ? c.yellow(state)
          : state === 'skipped' || state === 'waiting'
            ? c.dim(state)
            : c.red(state);
  const seconds = (row: Row): string => {
    const ms = row.durationMs ?? (row.startedAt ? Date.now() - row.startedAt : undefined);
    return ms === undefined ? '' : ` ${(ms / 1000).toFixed(1)}s`;
  };
  const block = (): string =>
    [...rows.entries()]
      .map(
        ([id, row]) =>
          `  ${id.padEnd(width)} ${paint(row.state)}${counts(row.map)}${seconds(row)}${row.iteration > 1 ? c.dim(` x${row.iteration}`) : ''}\n`,
      )
      .join('');
  const print = (text: string): void => {
    if (!options.live) {
      options.write(text);
      return;
    }
    const clear = drawn > 0 ? `\x1b[${drawn}F\x1b[J` : '';
    const status = block();
    drawn = rows.size;
    options.write(`${clear}${text}${status}`);
  };
  const timer = options.live ? setInterval(() => print(''), 500) : undefined;
  timer?.unref();
  return {
    onNodeStart: ({ nodeId, iteration, attempt }) => {
      rows.set(nodeId, { state: 'running', startedAt: Date.now(), iteration });
      const detail = [iteration > 1 ? `iteration ${iteration}` : '', attempt > 1 ? `attempt ${attempt}` : '']
        .filter(Boolean)
        .join(', ');
      print(options.live ? '' : `${c.cyan('start')} ${nodeId}${detail ? ` (${detail})` : ''}\n`);
    },
    onNodeRetry: ({ nodeId, attempt, of, delayMs, summary }) => {
      const row = rows.get(nodeId);
      if (row) row.state = 'retrying';
      // Printed in both modes: a retry is an event worth a line of its own, not only a state.
      print(
        `${c.yellow('retrying')} ${nodeId} (${attempt + 1}/${of}) in ${(delayMs / 1000).toFixed(1)}s: ${summary}\n`,
      );
    },
    onNodeEnd: ({ nodeId, result }) => {
      const state = result.cached ? 'cached' : result.reused ? 'reused' : result.status;
      rows.set(nodeId, {
        state,
        durationMs: result.duration,
        iteration: result.iterations,
        ...(result.map ? { map: result.map } : {}),
      });
      print(options.live ? '' : endLine(nodeId, result, paint));
    },
    onElementEnd: ({ nodeId, element, map }) => {
      const row = rows.get(nodeId);
      if (!row) return;
      row.map = map;
      if (options.live) return;
      const now = Date.now();
      const failed = element.status !== 'succeeded';
      if (!failed && map.done < map.total && now - (row.printedAt ?? 0) < PLAIN_PROGRESS_MS) return;
      row.printedAt = now;
      const why = failed ? ` element ${element.index} ${paint(element.status)}` : '';
      print(`${c.cyan('progress')} ${nodeId}${counts(map)}${why}\n`);
    },
    onLog: ({ nodeId, element, stream, line }) => {
      const tag = element === undefined ? `[${nodeId}]` : `[${nodeId}:${element}]`;
      print(`${stream === 'stderr' ? c.yellow(tag) : c.dim(tag)} ${line}\n`);
    },
    note: (line) => print(`${c.dim(line)}\n`),
    close: () => {
      if (timer) clearInterval(timer);
      if (options.live) print('');
    },
  };
}

/** ` [17/40]`, or ` [17/40, 2 failed]`; empty for a node that is not a map. */
function counts(map: MapProgress | undefined): string {
  if (!map) return '';
  return map.failed > 0 ? ` [${map.done}/${map.total}, ${map.failed} failed]` : ` [${map.done}/${map.total}]`;
}

function endLine(nodeId: string, result: NodeResult, paint: (state: string) => string): string {
  if (result.cached) return `${paint('cached')} ${nodeId}\n`;
  if (result.reused) return `${paint('reused')} ${nodeId}\n`;
  const took = result.status === 'skipped' ? '' : ` (${(result.duration / 1000).toFixed(1)}s)`;
  const why = result.error && result.status !== 'skipped' ? `: ${result.error.message.split('\n')[0]}` : '';
  return `${paint(result.status)} ${nodeId}${counts(result.map)}${took}${why}\n`;
}
