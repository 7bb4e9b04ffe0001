import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Which output a chunk came from. */
export type OutputStream = 'stdout' | 'stderr';

const HEADER_BYTES = 8;

/**
 * Reads the engine's multiplexed stream (non-TTY attach and logs): frames of an 8-byte
 * header (stream type, 3 zero bytes, big-endian payload length) followed by the payload.
 * Calls `onChunk` per payload and resolves when the stream ends.
 */
export async function demultiplex(
  stream: Readable | NodeJS.ReadableStream,
  onChunk: (stream: OutputStream, chunk: Buffer) => void,
): Promise<void> {
  let pending: Buffer = Buffer.alloc(0);
  const onData = (data: Buffer) => {
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    while (pending.length >= HEADER_BYTES) {
      const size = pending.readUInt32BE(4);
      if (pending.length < HEADER_BYTES + size) break;
      const kind: OutputStream = pending[0] === 2 ? 'stderr' : 'stdout';
      onChunk(kind, pending.subarray(HEADER_BYTES, HEADER_BYTES + size));
      pending = pending.subarray(HEADER_BYTES + size);
    }
  };
  stream.on('data', onData);
  try {
    await finished(stream as Readable, { writable: false });
  } finally {
    stream.off('data', onData);
  }
}
