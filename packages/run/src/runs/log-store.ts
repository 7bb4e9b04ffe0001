import { EventEmitter } from 'node:events';
import {
  closeSync,
  createReadStream,
  fstatSync,
  ftruncateSync,
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
import { LightRunError } from '../errors/light-run-error.ts';

interface Writer {
  fd: number;
  bytes: number;
  truncated: boolean;
  events: EventEmitter;
  /** Lines per stream to drop because the file already holds them (a re-attach replays from the start). */
  skip: { stdout: number; stderr: number };
}

const MARKER_PREFIX = '[light-run] log truncated';

function markerLine(reason: string): string {
  return `${JSON.stringify({ stream: 'stderr', line: `${MARKER_PREFIX}: ${reason}`, time: new Date().toISOString() })}\n`;
}

/**
 * Each run's log as NDJSON (`{"stream","line","time"}` per line) in `<dataDir>/logs/<id>.ndjson`,
 * capped per run: past the cap one marker line is written and later lines are dropped.
 * Appends are synchronous, so a reader that takes the file size and subscribes in the
 * same tick sees every line exactly once.
 */
export class LogStore {
  private readonly writers = new Map<string, Writer>();
  /** End markers of logs whose file could not take them (a full disk): reads still end with them. */
  private readonly unwritten = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly maxBytesPerRun: number,
    /** Where a failed log write is reported (once per run). */
    private readonly log: (line: string) => void,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}.ndjson`);
  }

  /**
   * Opens (creating when missing) a run's log for appending; a re-opened log keeps its
   * size. `STATE_WRITE_FAILED` when the file cannot be created (e.g. a full disk).
   */
  open(id: string): void {
    if (this.writers.has(id)) return;
    let fd: number;
    try {
      fd = openSync(this.pathOf(id), 'a', 0o600);
    } catch (err) {
      throw new LightRunError(
        'STATE_WRITE_FAILED',
        `creating the log of run ${id} (${this.pathOf(id)}) failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
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
      let line: LogLineWire;
      try {
        line = JSON.parse(raw) as LogLineWire;
      } catch {
        // A line cut short by a failed write (a full disk) counts as one line already held.
        continue;
      }
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
      text = markerLine(`the cap of ${this.maxBytesPerRun} bytes per run was reached`);
    }
    try {
      this.write(writer, text);
    } catch (err) {
      this.fail(id, writer, err);
      return;
    }
    writer.events.emit('data', text);
  }

  /**
   * Writes all of `text` or throws (a short write is retried, so a full disk surfaces as
   * its ENOSPC); `writer.bytes` counts only whole lines.
   */
  private write(writer: Writer, text: string): void {
    const bytes = Buffer.from(text);
    let done = 0;
    while (done < bytes.length) {
      const written = writeSync(writer.fd, bytes, done);
      if (written === 0)
        throw new LightRunError(
          'STATE_WRITE_FAILED',
          `no byte of the last ${bytes.length - done} could be written`,
        );
      done += written;
    }
    writer.bytes += done;
  }

  /**
   * A write failed: the log ends here with a marker (in the file when it still fits, and
   * for followers in any case), later lines are dropped, and the failure is logged once.
   */
  private fail(id: string, writer: Writer, err: unknown): void {
    writer.truncated = true;
    const reason = err instanceof Error ? err.message : String(err);
    const marker = markerLine(`writing the log failed: ${reason}`);
    let damaged = '';
    try {
      // Cut a partial line off, so the file stays one JSON object per line.
      ftruncateSync(writer.fd, writer.bytes);
      this.write(writer, marker);
    } catch {
      // The marker does not fit either: readers get it from memory after the file's last whole line.
      this.unwritten.set(id, marker);
      try {
        ftruncateSync(writer.fd, writer.bytes);
      } catch (cut) {
        damaged = ` (the file may end with a partial line: ${(cut as Error).message})`;
      }
    }
    this.log(`light-run: writing the log of run ${id} failed, later lines are dropped: ${reason}${damaged}`);
    writer.events.emit('data', marker);
  }

  /** Closes a run's log: followers see the end. */
  close(id: string): void {
    const writer = this.writers.get(id);
    if (!writer) return;
    this.writers.delete(id);
    try {
      closeSync(writer.fd);
    } catch (err) {
      // The descriptor is gone either way; followers must still see the end.
      this.log(`light-run: closing the log of run ${id}: ${(err as Error).message}`);
    }
    writer.events.emit('end');
  }

  /** Closes every open log (shutdown). */
  closeAll(): void {
    for (const id of [...this.writers.keys()]) this.close(id);
  }

  /** Deletes a run's log. */
  remove(id: string): void {
    this.close(id);
    this.unwritten.delete(id);
    rmSync(this.pathOf(id), { force: true });
  }

  /**
   * The log as an NDJSON byte stream. With `follow`, the stream stays open while the log
   * is open (the run is live) and ends when it is closed.
   */
  read(id: string, follow: boolean): Readable {
    const path = this.pathOf(id);
    const writer = follow ? this.writers.get(id) : undefined;
    const marker = this.unwritten.get(id);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      // No log file: the run never printed anything (or its log was deleted).
      return Readable.from(marker ? [marker] : []);
    }
    if (!writer) return Readable.from(wholeLog(path, size, marker));
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

async function* wholeLog(
  path: string,
  size: number,
  marker: string | undefined,
): AsyncGenerator<Buffer | string> {
  if (size > 0) yield* createReadStream(path, { end: size - 1 });
  if (marker) yield marker;
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
