import { getField, isPlainObject } from '../definition/conditions/field-path.ts';
import type { MapDefinition } from '../definition/definitions.ts';
import type { StepLogLine } from './step-runner.ts';
import type { ElementResult, MapProgress, NodeErrorCode, NodeStatus } from './types.ts';

/** Elements of one map node that run at once when `map.concurrency` is not set. */
export const DEFAULT_MAP_CONCURRENCY = 4;

/** How one element's run ended (its attempts included). */
export interface ElementRunEnd {
  status: Exclude<NodeStatus, 'skipped'>;
  output: Record<string, unknown>;
  exitCode: number | null;
  runId?: string;
  error?: { code: NodeErrorCode; message: string };
}

/** What a map node needs to run its elements. */
export interface MapNodeOptions {
  nodeId: string;
  map: MapDefinition;
  /** The node's merged input; the array sits at `map.over`. */
  input: Record<string, unknown>;
  /** Aborting cancels every element in flight and starts no more. */
  signal: AbortSignal;
  /**
   * Runs one element (the same per-run function plain nodes use); rejects when the run could
   * not happen, which `crashed` words.
   */
  runElement: (element: {
    index: number;
    input: Record<string, unknown>;
    signal: AbortSignal;
    onLog: (line: StepLogLine) => void;
  }) => Promise<ElementRunEnd>;
  crashed: (index: number, error: unknown) => { code: NodeErrorCode; message: string };
  /** Every line an element prints. */
  onLog: (index: number, line: StepLogLine) => void;
  onElementStart?: (index: number, map: MapProgress) => void;
  onElementEnd?: (element: ElementResult, map: MapProgress) => void;
  /** Lines of the failing element kept for the node's result. @default 20 */
  tailSize?: number;
}

/** How a map node ended. */
export interface MapNodeEnd {
  status: Exclude<NodeStatus, 'skipped'>;
  /** `{ results }` in input order (plus `failed` with `failFast: false`); `{}` when it did not succeed. */
  output: Record<string, unknown>;
  exitCode: number | null;
  runId?: string;
  error?: { code: NodeErrorCode; message: string };
  map: MapProgress;
  /** The last lines of the element that failed the node (failFast); absent: the node's own tail. */
  logs?: string[];
}

/**
 * Runs a node once per element of the array at `map.over`, at most `concurrency` at once,
 * each with `{ ...input without the array, item, index }`. Results land in input order. With
 * `failFast` (default) the first failed element fails the node and cancels the others; without
 * it a failed element becomes `{ error: { code, message, exitCode } }` and `failed` counts them.
 * Memory grows with the results only: per-element state lives while the element runs.
 */
export async function runMapNode(options: MapNodeOptions): Promise<MapNodeEnd> {
  const { nodeId, map } = options;
  const list = getField(options.input, map.over);
  if (!Array.isArray(list)) {
    const found = list === undefined ? 'nothing there' : `${describeValue(list)}`;
    const message = `node "${nodeId}": map.over "${map.over}" must name an array in the node's input, found ${found}`;
    return {
      status: 'failed',
      output: {},
      exitCode: null,
      error: { code: 'MAP_OVER_INVALID', message },
      map: { total: 0, done: 0, failed: 0 },
    };
  }
  const failFast = map.failFast ?? true;
  const total = list.length;
  const base = withoutPath(options.input, map.over);
  const results: unknown[] = new Array(total);
  const progress: MapProgress = { total, done: 0, failed: 0 };
  const tailSize = options.tailSize ?? 20;
  const controller = new AbortController();
  const stop = () => controller.abort();
  if (options.signal.aborted) stop();
  else options.signal.addEventListener('abort', stop, { once: true });
  let firstFailure: { element: ElementResult; logs: string[] } | undefined;
  let next = 0;

  const runOne = async (index: number): Promise<void> => {
    const started = Date.now();
    const tail: string[] = [];
    const onLog = (line: StepLogLine) => {
      tail.push(line.line);
      if (tail.length > tailSize) tail.shift();
      options.onLog(index, line);
    };
    options.onElementStart?.(index, { ...progress });
    let end: ElementRunEnd;
    try {
      const input = { ...base, item: list[index], index };
      end = await options.runElement({ index, input, signal: controller.signal, onLog });
    } catch (error) {
      end = { status: 'failed', output: {}, exitCode: null, error: options.crashed(index, error) };
    }
    const element: ElementResult = {
      index,
      status: end.status,
      exitCode: end.exitCode,
      duration: Date.now() - started,
      ...(end.runId ? { runId: end.runId } : {}),
      ...(end.error ? { error: end.error } : {}),
    };
    progress.done += 1;
    if (end.status === 'succeeded') {
      results[index] = end.output;
    } else {
      progress.failed += 1;
      results[index] = { error: { ...end.error, exitCode: end.exitCode } };
      // Elements cancelled because the node stops are not what failed it.
      if (failFast && !controller.signal.aborted) {
        firstFailure = { element, logs: tail };
        stop();
      }
    }
    options.onElementEnd?.(element, { ...progress });
  };

  const worker = async (): Promise<void> => {
    while (!controller.signal.aborted && next < total) await runOne(next++);
  };
  const width = Math.min(map.concurrency ?? DEFAULT_MAP_CONCURRENCY, total);
  try {
    await Promise.all(Array.from({ length: width }, worker));
  } finally {
    options.signal.removeEventListener('abort', stop);
  }

  const summary = { ...progress };
  if (firstFailure) {
    const { element } = firstFailure;
    return {
      status: element.status,
      output: {},
      exitCode: element.exitCode,
      ...(element.runId ? { runId: element.runId } : {}),
      error: {
        code: element.error?.code ?? 'NODE_FAILED',
        message: `${element.error?.message ?? `node "${nodeId}" element ${element.index} failed`} (element ${element.index} of ${total}; the other elements were stopped)`,
      },
      map: summary,
      logs: firstFailure.logs,
    };
  }
  if (options.signal.aborted) {
    const message = `node "${nodeId}" was cancelled after ${summary.done} of ${total} elements`;
    return {
      status: 'cancelled',
      output: {},
      exitCode: null,
      error: { code: 'NODE_CANCELLED', message },
      map: summary,
    };
  }
  const output: Record<string, unknown> = failFast ? { results } : { results, failed: summary.failed };
  return { status: 'succeeded', output, exitCode: null, map: summary };
}

/** A shallow copy of `input` without the value at the dotted `path` (objects on the way are copied). */
function withoutPath(input: Record<string, unknown>, path: string): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  const key = head as string;
  const copy = { ...input };
  if (rest.length === 0) delete copy[key];
  else if (isPlainObject(copy[key])) copy[key] = withoutPath(copy[key], rest.join('.'));
  return copy;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
