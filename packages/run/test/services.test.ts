import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { type RunStateBody, runSync, waitEnd, waitForLog } from '../../../test/support/run-api.ts';
import { assertNoLeaksOf, leakScope, reapScope, track } from '../../../test/support/scoped-leaks.ts';

const IMAGE = 'localhost/light-sh';
const scope = leakScope();
const procs: LightRunProc[] = [];

const service = { image: IMAGE, entrypoint: 'echo serving; sleep 300', timeout: 600_000, service: true };

describe('services: long-lived runs outside the run queue', () => {
  after(async () => {
    for (const lr of procs) await lr[Symbol.asyncDispose]();
    try {
      await assertNoLeaksOf(scope);
    } finally {
      await reapScope(scope);
    }
  });

  test('with --max-concurrent 2, six running services leave the queue free: three quick runs all succeed', async () => {
    const lr = track(scope, await startLightRun({ args: ['--max-concurrent', '2'] }));
    procs.push(lr);
    const services: RunStateBody[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await lr.post('/run', service);
      assert.equal(res.status, 202, 'a service is detached: 202 at once');
      const state = (await res.json()) as RunStateBody & { detached: boolean };
      assert.equal(state.detached, true);
      assert.equal(state.status, 'running', 'a service never waits queued');
      services.push(state);
    }
    for (const s of services) await waitForLog(lr, s.id, 'serving');
    const quick = await Promise.all(
      [1, 2, 3].map((n) => runSync(lr, { image: IMAGE, entrypoint: `echo node-${n}` })),
    );
    for (const { status, state } of quick) {
      assert.equal(status, 200);
      assert.equal(state.status, 'succeeded', JSON.stringify(state));
    }
    for (const s of services) {
      assert.equal((await lr.post(`/runs/${s.id}/cancel`)).status, 200);
      assert.equal((await waitEnd(lr, s.id)).status, 'cancelled');
    }
  });

  test('past --max-services, POST /run with service: true answers 503 TOO_MANY_SERVICES naming the cap, and starts nothing', async () => {
    const lr = track(scope, await startLightRun({ args: ['--max-services', '2'] }));
    procs.push(lr);
    const first = (await (await lr.post('/run', service)).json()) as RunStateBody;
    const second = (await (await lr.post('/run', service)).json()) as RunStateBody;
    const refused = await lr.post('/run', service);
    assert.equal(refused.status, 503);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'TOO_MANY_SERVICES');
    assert.match(body.error.message, /--max-services 2/);
    const { runs } = (await (await lr.api('/runs')).json()) as { runs: RunStateBody[] };
    assert.equal(runs.length, 2, 'the refused service was not recorded');
    const sync = await runSync(lr, { image: IMAGE, entrypoint: 'echo still-serving-nodes' });
    assert.equal(sync.state.status, 'succeeded');
    await lr.post(`/runs/${first.id}/cancel`);
    const freed = await lr.post('/run', service);
    assert.equal(freed.status, 202, 'a slot freed by a cancelled service takes a new one');
    const third = (await freed.json()) as RunStateBody;
    for (const id of [second.id, third.id]) assert.equal((await lr.post(`/runs/${id}/cancel`)).status, 200);
  });

  test('service: true with detached: false is a 400 naming detached', async () => {
    const lr = track(scope, await startLightRun());
    procs.push(lr);
    const res = await lr.post('/run', { ...service, detached: false });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.match(body.error.message, /^detached/);
  });
});
