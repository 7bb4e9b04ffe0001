import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import { tempDir } from '../../../../test/support/temp.ts';
import { LightRunError } from '../../src/index.ts';
import { LogStore } from '../../src/runs/log-store.ts';
import { RunRecords } from '../../src/runs/run-records.ts';
import { queuedState } from '../../src/runs/run-results.ts';
import { RunSlots } from '../../src/runs/run-slots.ts';

// /dev/full takes no byte: every write to it fails with ENOSPC, as on a full disk.
const FULL = '/dev/full';

describe('write failures and slots', () => {
  test('RunRecords.put on a full disk throws STATE_WRITE_FAILED naming the file, keeps the memory copy and leaves no temp file', () => {
    using dir = tempDir('records-full');
    const records = new RunRecords(dir.path, () => undefined);
    const state = queuedState('run-1', 'img', false);
    const path = join(dir.path, 'run-1.json');
    symlinkSync(FULL, `${path}.${process.pid}.tmp`);
    assert.throws(
      () => records.put({ state }),
      (err: unknown) =>
        err instanceof LightRunError &&
        err.code === 'STATE_WRITE_FAILED' &&
        err.statusCode === 507 &&
        err.message.includes(path) &&
        err.message.includes('ENOSPC'),
    );
    assert.equal(records.get('run-1')?.state.id, 'run-1');
    assert.deepEqual(readdirSync(dir.path), [], 'the temp file (here a link) is gone, no record was written');
  });

  test('LogStore on a full disk ends the log with one marker, drops later lines and logs the failure once', async () => {
    using dir = tempDir('logs-full');
    const logged: string[] = [];
    const logs = new LogStore(dir.path, 1_000_000, (line) => logged.push(line));
    symlinkSync(FULL, join(dir.path, 'run-1.ndjson'));
    logs.open('run-1');
    const follower = text(logs.read('run-1', true));
    const time = new Date().toISOString();
    for (let i = 0; i < 5; i++) logs.append('run-1', { stream: 'stdout', line: `line-${i}`, time });
    logs.close('run-1');
    const followed = (await follower).trim().split('\n');
    assert.equal(followed.length, 1);
    assert.match(followed[0] ?? '', /log truncated: writing the log failed: .*ENOSPC/);
    const read = (await text(logs.read('run-1', false))).trim().split('\n');
    assert.deepEqual(read, followed, 'a later read ends with the marker too');
    assert.equal(logged.length, 1);
    assert.match(logged[0] ?? '', /writing the log of run run-1 failed/);
  });

  test('LogStore.open on a directory it cannot create files in throws STATE_WRITE_FAILED naming the run', () => {
    using dir = tempDir('logs-missing');
    const logs = new LogStore(join(dir.path, 'logs'), 1000, () => undefined);
    mkdirSync(join(dir.path, 'logs', 'run-2.ndjson'));
    assert.throws(
      () => logs.open('run-2'),
      (err: unknown) =>
        err instanceof LightRunError && err.code === 'STATE_WRITE_FAILED' && /run-2/.test(err.message),
    );
    assert.ok(existsSync(join(dir.path, 'logs')));
  });

  test('RunSlots: services never wait for the queue, and past their cap are refused naming it', () => {
    const slots = new RunSlots(1, 2);
    const started: string[] = [];
    slots.admit('run-a', false, () => started.push('run-a'));
    slots.admit('run-b', false, () => started.push('run-b'));
    slots.admit('svc-1', true, () => started.push('svc-1'));
    slots.admit('svc-2', true, () => started.push('svc-2'));
    assert.deepEqual(started, ['run-a', 'svc-1', 'svc-2'], 'run-b waits; services do not');
    assert.throws(
      () => slots.admit('svc-3', true, () => started.push('svc-3')),
      (err: unknown) =>
        err instanceof LightRunError &&
        err.code === 'TOO_MANY_SERVICES' &&
        /--max-services 2/.test(err.message),
    );
    slots.release('svc-1');
    assert.deepEqual(started, ['run-a', 'svc-1', 'svc-2'], 'a service slot does not start a queued run');
    slots.release('run-a');
    assert.deepEqual(started, ['run-a', 'svc-1', 'svc-2', 'run-b']);
    slots.admit('svc-3', true, () => started.push('svc-3'));
    assert.equal(started.at(-1), 'svc-3');
  });
});
