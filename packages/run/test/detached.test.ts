import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type RunState, SIGNATURE_HEADER } from '../src/index.ts';
import { startReceiver } from './support/http.ts';
import { logText, runSync, startDetached, waitForEnd, waitForLog } from './support/runs.ts';
import { json, startServer } from './support/server.ts';

function verify(secret: string, body: string, header: string | string[] | undefined): boolean {
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return header === expected;
}

describe('detached runs, long-poll, callbacks, restart', () => {
  after(() => assertNoLeaks());

  test('a detached run answers 202 at once, ?wait returns its end, and the signed callback arrives', async () => {
    await using receiver = await startReceiver();
    await using t = await startServer();
    const secret = 'callback-secret';
    const res = await t.post('/run', {
      image: 'localhost/light-sh',
      entrypoint: 'sleep 1; echo finished',
      detached: true,
      callbackUrl: receiver.url,
      callbackSecret: secret,
    });
    assert.equal(res.status, 202);
    const accepted = await json<RunState>(res);
    assert.ok(['queued', 'running'].includes(accepted.status));
    assert.equal(accepted.detached, true);
    assert.equal(res.headers.get('location'), `/runs/${accepted.id}`);
    const final = await json<RunState>(await t.api(`/runs/${accepted.id}?wait=60s`));
    assert.equal(final.status, 'succeeded');
    const [call] = await receiver.next(1);
    assert.ok(call);
    assert.ok(verify(secret, call.body, call.headers[SIGNATURE_HEADER]), 'the signature does not verify');
    assert.equal(verify('wrong-secret', call.body, call.headers[SIGNATURE_HEADER]), false);
    const posted = JSON.parse(call.body) as RunState;
    assert.equal(posted.id, accepted.id);
    assert.equal(posted.status, 'succeeded');
    assert.deepEqual(posted, final);
  });

  test('a new server over the same data dir re-attaches a detached run, which keeps logging and can be cancelled', async () => {
    await using receiver = await startReceiver();
    await using data = tempDir('run-reattach');
    let id: string;
    const owner = `light-run-test-reattach-${process.pid}`;
    {
      await using first = await startServer({ dataDir: data.path, owner }, { keepRuns: true });
      const run = await startDetached(first, {
        image: 'localhost/light-sh',
        entrypoint: 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.3; done',
        callbackUrl: receiver.url,
        callbackSecret: 's',
      });
      id = run.id;
      await waitForLog(first, id, 'tick-2');
    }
    await using second = await startServer({ dataDir: data.path, owner });
    assert.deepEqual(second.server.recovery.reattached, [id]);
    const listed = await json<{ runs: RunState[] }>(await second.api('/runs?status=running'));
    assert.deepEqual(
      listed.runs.map((r) => r.id),
      [id],
    );
    const before = await logText(second, id);
    const lastTick = Number(/tick-(\d+)\n$/.exec(before)?.[1]);
    const after = await waitForLog(second, id, `tick-${lastTick + 2}`);
    const ticks = after.trim().split('\n');
    assert.deepEqual(
      ticks,
      ticks.map((_, i) => `tick-${i + 1}`),
      'the log after re-attaching has gaps or repeated lines',
    );
    const cancelled = await json<RunState>(await second.post(`/runs/${id}/cancel`));
    assert.equal(cancelled.status, 'cancelled');
    const [call] = await receiver.next(1);
    assert.equal((JSON.parse(call?.body ?? '{}') as RunState).status, 'cancelled');
  });

  test('a sync run in flight at shutdown is cancelled and its request answered; a queued one too', async () => {
    const t = await startServer({ maxConcurrent: 1 });
    try {
      const inFlight = t.post('/run', { image: 'localhost/light-sh', entrypoint: 'echo up; sleep 60' });
      const runs = async () => (await json<{ runs: RunState[] }>(await t.api('/runs'))).runs;
      while ((await runs()).length === 0) await new Promise((r) => setTimeout(r, 100));
      const [running] = await runs();
      assert.ok(running);
      await waitForLog(t, running.id, 'up');
      const queued = t.post('/run', { image: 'localhost/light-sh', entrypoint: 'echo never' });
      while ((await runs()).length < 2) await new Promise((r) => setTimeout(r, 100));
      await t.server.close();
      const answered = await json<RunState>(await inFlight);
      assert.equal(answered.status, 'cancelled');
      const dropped = await json<RunState>(await queued);
      assert.equal(dropped.status, 'cancelled');
      assert.equal(dropped.error?.code, 'SHUTTING_DOWN');
    } finally {
      await t[Symbol.asyncDispose]();
    }
  });

  test('a callback to a receiver that keeps failing is retried and never delays the run', async () => {
    await using receiver = await startReceiver('127.0.0.1', 500);
    await using t = await startServer({ callbackRetryDelaysMs: [50, 50] });
    const state = await runSync(t, {
      image: 'localhost/light-sh',
      entrypoint: 'true',
      callbackUrl: receiver.url,
    });
    assert.equal(state.status, 'succeeded');
    const calls = await receiver.next(3);
    assert.equal(calls.length, 3);
    assert.equal(calls[0]?.headers[SIGNATURE_HEADER], undefined);
    assert.equal((await waitForEnd(t, state.id)).status, 'succeeded');
  });
});
