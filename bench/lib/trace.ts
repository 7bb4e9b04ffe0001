import type Dockerode from 'dockerode';
import { nowMs } from './stats.ts';

/** One timed call: what, and when it began and ended (performance.now() milliseconds). */
export interface Span {
  what: string;
  start: number;
  end: number;
}

/** Collects spans of calls the benchmark cannot time from outside (inside a library). */
export class Trace {
  readonly spans: Span[] = [];

  /** Times `fn` as `what`. */
  async span<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const start = nowMs();
    try {
      return await fn();
    } finally {
      this.spans.push({ what, start, end: nowMs() });
    }
  }

  /** Spans that began inside [from, to]. */
  between(from: number, to: number): Span[] {
    return this.spans.filter((s) => s.start >= from && s.start <= to);
  }

  /** Forgets everything before `t`. */
  dropBefore(t: number): void {
    const keep = this.spans.filter((s) => s.start >= t);
    this.spans.splice(0, this.spans.length, ...keep);
  }
}

/** Total length of the union of `spans` (overlapping calls counted once), in ms. */
export function unionMs(spans: readonly Span[]): number {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = Number.NaN;
  let curEnd = Number.NaN;
  for (const s of sorted) {
    if (!(s.start <= curEnd)) {
      if (Number.isFinite(curStart)) total += curEnd - curStart;
      curStart = s.start;
      curEnd = s.end;
    } else curEnd = Math.max(curEnd, s.end);
  }
  if (Number.isFinite(curStart)) total += curEnd - curStart;
  return total;
}

/** Sum of span durations per `what`. */
export function byWhat(spans: readonly Span[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of spans) out[s.what] = (out[s.what] ?? 0) + (s.end - s.start);
  return out;
}

const CONTAINER_CALLS = new Set([
  'start',
  'wait',
  'putArchive',
  'getArchive',
  'remove',
  'attach',
  'inspect',
  'kill',
]);

function timedMethods<T extends object>(target: T, trace: Trace, prefix: string, names: Set<string>): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof prop !== 'string' || typeof value !== 'function' || !names.has(prop)) return value;
      return (...args: unknown[]) =>
        trace.span(`${prefix}${prop}`, () =>
          Promise.resolve((value as (...a: unknown[]) => unknown).apply(obj, args)),
        );
    },
  });
}

/**
 * A dockerode client whose engine calls are timed into `trace`: container calls as
 * `start`, `wait`, ..., plus `createContainer`, `createNetwork`, `network.connect`,
 * `image.inspect`. Calls resolve when the engine answered (a stream: headers received).
 */
export function tracedDocker(docker: Dockerode, trace: Trace): Dockerode {
  const top = new Set(['createContainer', 'createNetwork', 'listContainers', 'listNetworks', 'version']);
  return new Proxy(docker, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (prop === 'getContainer') {
        return (id: string) => timedMethods(obj.getContainer(id), trace, '', CONTAINER_CALLS);
      }
      if (prop === 'getNetwork') {
        return (id: string) =>
          timedMethods(obj.getNetwork(id), trace, 'network.', new Set(['connect', 'inspect', 'remove']));
      }
      if (prop === 'getImage') {
        return (id: string) => timedMethods(obj.getImage(id), trace, 'image.', new Set(['inspect']));
      }
      if (typeof prop === 'string' && typeof value === 'function' && top.has(prop)) {
        return (...args: unknown[]) =>
          trace.span(prop, () => Promise.resolve((value as (...a: unknown[]) => unknown).apply(obj, args)));
      }
      return value;
    },
  });
}

/** What light-process's client accepts as `fetch`. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * A fetch whose calls are timed into `trace` as `METHOD /path` (run ids replaced by `:id`,
 * query kept): the time until headers arrive. Body reading is not included.
 */
export function tracedFetch(trace: Trace): FetchLike {
  return (input, init) => {
    const url = new URL(input);
    const path = url.pathname.replace(/^\/runs\/[^/]+/, '/runs/:id');
    return trace.span(`${init?.method ?? 'GET'} ${path}${url.search}`, () => fetch(input, init));
  };
}
