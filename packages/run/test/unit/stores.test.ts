import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../../test/support/leaks.ts';
import { tempDir } from '../../../../test/support/temp.ts';
import type { RunState } from '../../src/api/schemas.ts';
import { ArtifactStore } from '../../src/artifacts/artifact-store.ts';
import { LightRunError } from '../../src/errors/light-run-error.ts';
import { LogStore } from '../../src/runs/log-store.ts';
import { RunRecords } from '../../src/runs/run-records.ts';

after(() => assertNoLeaks());

const quiet = () => {};

function finished(id: string, finishedAt: string, bytes: number): RunState {
  return {
    id,
    status: 'succeeded',
    image: 'localhost/light-sh',
    detached: false,
    createdAt: finishedAt,
    exitCode: 0,
    startedAt: finishedAt,
    finishedAt,
    durationMs: 1,
    artifacts: [{ path: 'out.bin', bytes, type: 'application/octet-stream' }],
  };
}

function plantArtifact(dir: string, id: string, bytes: number): void {
  mkdirSync(join(dir, id), { recursive: true });
  writeFileSync(join(dir, id, 'out.bin'), Buffer.alloc(bytes, 1));
}

describe('stores', () => {
  test('RunRecords reads back what it wrote after a restart', () => {
    using dir = tempDir('run-records');
    const first = new RunRecords(dir.path, quiet);
    first.put({
      state: finished('a', '2026-01-01T00:00:00.000Z', 1),
      callback: { url: 'http://x', pending: true },
    });
    const second = new RunRecords(dir.path, quiet);
    assert.equal(second.get('a')?.state.status, 'succeeded');
    assert.equal(second.get('a')?.callback?.pending, true);
  });

  test('RunRecords never turns a terminal state back into a live one', () => {
    using dir = tempDir('run-records');
    const records = new RunRecords(dir.path, quiet);
    records.put({ state: finished('a', '2026-01-01T00:00:00.000Z', 1) });
    records.updateState('a', { status: 'paused' });
    assert.equal(records.get('a')?.state.status, 'succeeded');
  });

  test('LogStore truncates past the cap with one marker line', async () => {
    using dir = tempDir('log-store');
    const logs = new LogStore(dir.path, 300, () => undefined);
    logs.open('r');
    for (let i = 0; i < 20; i++) logs.append('r', { stream: 'stdout', line: `line ${i}`, time: 't' });
    logs.close('r');
    const lines = (await text(logs.read('r', false))).trim().split('\n');
    const last = JSON.parse(lines.at(-1) ?? '{}') as { line: string };
    assert.match(last.line, /log truncated/);
    assert.ok(lines.length < 20);
  });

  test('LogStore follow sees earlier and later lines once, and ends with the log', async () => {
    using dir = tempDir('log-store');
    const logs = new LogStore(dir.path, 1_000_000, () => undefined);
    logs.open('r');
    logs.append('r', { stream: 'stdout', line: 'before', time: 't' });
    const reading = text(logs.read('r', true));
    logs.append('r', { stream: 'stderr', line: 'after', time: 't' });
    setTimeout(() => logs.close('r'), 20);
    const lines = (await reading).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { line: string }).line),
      ['before', 'after'],
    );
  });

  test('LogStore.reopen drops the replayed lines it already holds, per stream', async () => {
    using dir = tempDir('log-store');
    const logs = new LogStore(dir.path, 1_000_000, () => undefined);
    const line = (stream: 'stdout' | 'stderr', text: string) => ({ stream, line: text, time: 't' });
    logs.open('r');
    logs.append('r', line('stdout', 'a'));
    logs.append('r', line('stderr', 'e1'));
    logs.close('r');
    logs.reopen('r');
    for (const l of [line('stderr', 'e1'), line('stdout', 'a'), line('stdout', 'b'), line('stderr', 'e2')]) {
      logs.append('r', l);
    }
    logs.close('r');
    const lines = (await text(logs.read('r', false))).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { line: string }).line),
      ['a', 'e1', 'b', 'e2'],
    );
  });

  test('ArtifactStore evicts the oldest finished runs but keeps the newest', () => {
    using dir = tempDir('artifacts');
    const records = new RunRecords(join(dir.path, 'runs'), quiet);
    const store = new ArtifactStore(join(dir.path, 'artifacts'), 250, records);
    for (const [i, id] of ['old', 'mid', 'new'].entries()) {
      records.put({ state: finished(id, `2026-01-01T00:00:0${i}.000Z`, 100) });
      plantArtifact(store.dir, id, 100);
    }
    assert.deepEqual(store.enforceCap(), ['old']);
    assert.equal(records.get('old')?.state.artifactsEvicted, true);
    assert.throws(
      () => store.open('old', 'out.bin'),
      (e: unknown) => (e as LightRunError).code === 'ARTIFACTS_EVICTED',
    );
    assert.equal(store.open('new', 'out.bin').bytes, 100);
  });

  test('ArtifactStore never follows a symlink in the store', () => {
    using dir = tempDir('artifacts');
    const records = new RunRecords(join(dir.path, 'runs'), quiet);
    const store = new ArtifactStore(join(dir.path, 'artifacts'), 1_000_000, records);
    records.put({ state: finished('r', '2026-01-01T00:00:00.000Z', 5) });
    mkdirSync(join(store.dir, 'r'), { recursive: true });
    writeFileSync(join(dir.path, 'secret'), 'hello');
    symlinkSync(join(dir.path, 'secret'), join(store.dir, 'r', 'out.bin'));
    assert.throws(
      () => store.open('r', 'out.bin'),
      (e: unknown) => (e as LightRunError).code === 'ARTIFACT_NOT_FOUND',
    );
  });

  test('ArtifactStore rejects a traversal path naming the field', () => {
    using dir = tempDir('artifacts');
    const records = new RunRecords(join(dir.path, 'runs'), quiet);
    const store = new ArtifactStore(join(dir.path, 'artifacts'), 1_000_000, records);
    records.put({ state: finished('r', '2026-01-01T00:00:00.000Z', 5) });
    assert.throws(
      () => store.open('r', '../../runs/r.json'),
      (e: unknown) => e instanceof LightRunError && e.code === 'INVALID_REQUEST' && e.field === 'path',
    );
  });
});
