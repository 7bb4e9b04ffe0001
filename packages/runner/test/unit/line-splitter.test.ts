import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter, MAX_LINE_CHARS } from '../../src/logs/line-splitter.ts';

test('LineSplitter splits on newlines across chunks and flushes the partial last line', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l));
  splitter.push(Buffer.from('one\ntw'));
  splitter.push(Buffer.from('o\r\nthree'));
  assert.deepEqual(lines, ['one', 'two']);
  splitter.flush();
  assert.deepEqual(lines, ['one', 'two', 'three']);
});

test('LineSplitter keeps a UTF-8 character split between chunks whole', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l));
  const bytes = Buffer.from('héllo\n');
  splitter.push(bytes.subarray(0, 2));
  splitter.push(bytes.subarray(2));
  assert.deepEqual(lines, ['héllo']);
});

test('LineSplitter emits an endless line in bounded pieces', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l));
  splitter.push(Buffer.from('x'.repeat(MAX_LINE_CHARS * 2 + 5)));
  splitter.flush();
  assert.deepEqual(
    lines.map((l) => l.length),
    [MAX_LINE_CHARS, MAX_LINE_CHARS, 5],
  );
});
