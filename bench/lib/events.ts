import type Dockerode from 'dockerode';

/** One container event from the engine, time in epoch milliseconds. */
export interface EngineEvent {
  id: string;
  action: string;
  timeMs: number;
  attributes: Record<string, string>;
}

/** Epoch milliseconds with sub-millisecond resolution, comparable with engine event times. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Records the engine's container events (create, extract-to-dir, start, die, archive-path,
 * destroy, ...) for labelled containers, so a run inside light-run, which the benchmark
 * cannot instrument, still gets an engine-side timeline. Stop it with `await using`.
 */
export class EngineEvents implements AsyncDisposable {
  readonly events: EngineEvent[] = [];
  private buffer = '';

  private constructor(private readonly stream: NodeJS.ReadableStream) {
    stream.on('data', (chunk: Buffer) => this.feed(chunk.toString('utf8')));
    stream.on('error', () => undefined); // destroying the stream on dispose errors it; nothing to do
  }

  /** Subscribes to container events carrying the `dev.light.managed` label. */
  static async start(docker: Dockerode): Promise<EngineEvents> {
    const stream = (await docker.getEvents({
      filters: { type: ['container'], label: ['dev.light.managed=true'] },
    })) as NodeJS.ReadableStream;
    return new EngineEvents(stream);
  }

  private feed(text: string): void {
    this.buffer += text;
    let nl = this.buffer.indexOf('\n');
    while (nl >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) {
        const e = JSON.parse(line) as {
          id?: string;
          Action?: string;
          timeNano?: number;
          Actor?: { ID?: string; Attributes?: Record<string, string> };
        };
        this.events.push({
          id: e.Actor?.ID ?? e.id ?? '',
          action: (e.Action ?? '').split(':')[0] ?? '',
          timeMs: (e.timeNano ?? 0) / 1e6,
          attributes: e.Actor?.Attributes ?? {},
        });
      }
      nl = this.buffer.indexOf('\n');
    }
  }

  /** Waits until events have caught up with `epoch` (the engine sends them asynchronously). */
  async settle(ms = 150): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  /** Events of containers created inside [fromMs, toMs], grouped by container id, in order. */
  containersBetween(fromMs: number, toMs: number): Map<string, EngineEvent[]> {
    const byId = new Map<string, EngineEvent[]>();
    for (const e of this.events) {
      if (e.action === 'create' && (e.timeMs < fromMs - 5 || e.timeMs > toMs)) continue;
      const list = byId.get(e.id);
      if (list) list.push(e);
      else if (e.action === 'create') byId.set(e.id, [e]);
    }
    return byId;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    (this.stream as unknown as { destroy?: () => void }).destroy?.();
  }
}

/** The engine-side milestones of one container, as offsets from a client `submitMs`. */
export interface Milestones {
  create?: number;
  copyIn?: number;
  start?: number;
  die?: number;
  copyOut?: number;
  destroy?: number;
}

/** First occurrence of each milestone action, relative to `submitMs`. */
export function milestones(events: readonly EngineEvent[], submitMs: number): Milestones {
  const first = (action: string) => {
    const e = events.find((x) => x.action === action);
    return e ? e.timeMs - submitMs : undefined;
  };
  return {
    create: first('create'),
    copyIn: first('extract-to-dir'),
    start: first('start'),
    die: first('die'),
    copyOut: first('archive-path'),
    destroy: first('destroy'),
  };
}
