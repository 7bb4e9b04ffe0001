import type { Readable } from 'node:stream';
import { demultiplex } from '../engine/demux.ts';
import type { LogLine } from '../types.ts';
import { LineSplitter } from './line-splitter.ts';

/**
 * Reads a multiplexed container stream to its end, delivering stdout and stderr line by
 * line (partial last lines flushed). Resolves when the stream ends or breaks: the exit
 * status, not the log stream, decides how a run ended.
 */
export async function pumpLogs(
  stream: Readable | NodeJS.ReadableStream,
  emit: (line: LogLine) => void,
): Promise<void> {
  const splitters = {
    stdout: new LineSplitter((line) => emit({ stream: 'stdout', line, time: new Date().toISOString() })),
    stderr: new LineSplitter((line) => emit({ stream: 'stderr', line, time: new Date().toISOString() })),
  };
  try {
    await demultiplex(stream, (kind, chunk) => splitters[kind].push(chunk));
  } catch (err) {
    // A stream cut short (e.g. stdin written to a process that had already exited)
    // loses at most the unread tail of the output; the run itself is unaffected.
    emit({
      stream: 'stderr',
      line: `[light-runner] log stream ended early: ${String(err)}`,
      time: new Date().toISOString(),
    });
  } finally {
    splitters.stdout.flush();
    splitters.stderr.flush();
  }
}
