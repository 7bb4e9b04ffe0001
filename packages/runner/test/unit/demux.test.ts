import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { demultiplex } from '../../src/engine/demux.ts';

function frame(kind: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('demultiplex separates stdout and stderr frames even when split mid-header', async () => {
  const stream = new PassThrough();
  const seen: string[] = [];
  const done = demultiplex(stream, (kind, chunk) => seen.push(`${kind}:${chunk.toString()}`));
  const bytes = Buffer.concat([frame(1, 'out'), frame(2, 'err'), frame(1, 'more')]);
  stream.write(bytes.subarray(0, 5));
  stream.write(bytes.subarray(5, 14));
  stream.end(bytes.subarray(14));
  await done;
  assert.deepEqual(seen, ['stdout:out', 'stderr:err', 'stdout:more']);
});
