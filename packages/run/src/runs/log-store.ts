import { EventEmitter } from 'node:events';
import {
  closeSync,
  createReadStream,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { LogLineWire } from '../api/schemas.ts';

interface Writer {
  fd: number;
  bytes: number;
  truncated: boolean;
  events: EventEmitter;
  /** Lines per stream to drop because the file already holds them (a re-attach replays from the start). */
  skip: { stdout: number; stderr: number };
}

const MARKER_PREFIX = '[light-run] log truncated';

/**
 * Each run's log as NDJSON (`{"stream","line","time"}` per line) in `<dataDir>/logs/<id>.ndjson`,
 * capped per run: past the cap one marker line is written and later lines are dropped.
 * Appends are synchronous, so a reader that takes the file size and subscribes in the
 * same tick sees every line exactly once.
 */
export class LogStore {
  private readonly writers = new Map<string, Writer>();

  constructor(
    private readonly dir: string,
    private readonly maxBytesPerRun: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}.ndjson`);
  }

  /** Opens (creating when missing) a run's log for appending; a re-opened log keeps its size. */
  open(id: string): void {
    if (this.writers.has(id)) return;
    const fd = openSync(this.pathOf(id), 'a', 0o600);
    const bytes = fstatSync(fd).size;
    const truncated = bytes >= this.maxBytesPerRun;
    this.writers.set(id, {
      fd,
      bytes,
      truncated,
      events: new EventEmitter(),
      skip: { stdout: 0, stderr: 0 },
    });
  }

  /**
   * Opens a run's log for a re-attached run, whose output the runner replays from the
   * start: the lines the file already holds are dropped once, per stream, in order.
   */
  reopen(id: string): void {
    this.open(id);
    const writer = this.writers.get(id);
    if (!writer) return;
    const text = readFileSync(this.pathOf(id), 'utf8');
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      const line = JSON.parse(raw) as LogLineWire;
      if (line.line.startsWith(MARKER_PREFIX) && line.stream === 'stderr') writer.truncated = true;
      else writer.skip[line.stream] += 1;
    }
  }

  /** Appends one line; ignored when the log is not open (e.g. after the run ended). */
  append(id: string, line: LogLineWire): void {
    const writer = this.writers.get(id);
    if (!writer) return;
    if (writer.skip[line.stream] > 0) {
      writer.skip[line.stream] -= 1;
      return;
    }
    if (writer.truncated) return;
    let text = `${JSON.stringify({ stream: line.stream, line: line.line, time: line.time })}\n`;
    if (writer.bytes + Buffer.byteLength(text) > this.maxBytesPerRun) {
      writer.truncated = true;
      text = `${JSON.stringify({
        stream: 'stderr',
        line: `${MARKER_PREFIX}: the cap of ${this.maxBytesPerRun} bytes per run was reached`,
        time: new Date().toISOString(),
      })}\n`;
    }
    writer.bytes += writeSync(writer.fd, text);
    writer.events.emit('data', text);
  }

  /** Closes a run's log: followers see the end. */
  close(id: string): void {
    const writer = this.writers.get(id);
    if (!writer) return;
    this.writers.delete(id);
    closeSync(writer.fd);
    writer.events.emit('end');
  }

  /** Closes every open log (shutdown). */
  closeAll(): void {
    for (const id of [...this.writers.keys()]) this.close(id);
  }

  /** Deletes a run's log. */
  remove(id: string): void {
    this.close(id);
    rmSync(this.pathOf(id), { force: true });
  }

  /**
   * The log as an NDJSON byte stream. With `follow`, the stream stays open while the log
   * is open (the run is live) and ends when it is closed.
   */
  read(id: string, follow: boolean): Readable {
    const path = this.pathOf(id);
    const writer = follow ? this.writers.get(id) : undefined;
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      // No log file: the run never printed anything (or its log was deleted).
      return Readable.from([]);
    }
    if (!writer) return size === 0 ? Readable.from([]) : createReadStream(path, { end: size - 1 });
    return followLog(path, size, writer.events);
  }
}

/** Lines that arrive after a reader took the file size, buffered until it asks for them. */
class Subscription {
  readonly pending: string[] = [];
  ended = false;
  private wake: (() => void) | undefined;
  private readonly onData = (text: string) => {
    this.pending.push(text);
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake?.();
  };

  constructor(private readonly events: EventEmitter) {
    events.on('data', this.onData);
    events.once('end', this.onEnd);
  }

  /** Resolves when a line arrives or the log ends. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  dispose(): void {
    this.events.off('data', this.onData);
    this.events.off('end', this.onEnd);
    this.ended = true;
    this.wake?.();
  }
}

function followLog(path: string, size: number, events: EventEmitter): Readable {
  // Subscribe now, in the tick that took `size`: nothing can be appended in between.
  const subscription = new Subscription(events);
  const stream = Readable.from(followLines(path, size, subscription));
  stream.once('close', () => subscription.dispose());
  return stream;
}

async function* followLines(path: string, size: number, sub: Subscription): AsyncGenerator<Buffer | string> {
  if (size > 0) yield* createReadStream(path, { end: size - 1 });
  for (;;) {
    while (sub.pending.length > 0) yield sub.pending.shift() as string;
    if (sub.ended) return;
    await sub.next();
  }
}
