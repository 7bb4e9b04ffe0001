import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineWork, refillThreshold } from '../../src/pool/engine-work.ts';

/** Whether `p` has settled after the pending microtasks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test('quiet() resolves at once below the threshold, and waits while as many runs are busy', async () => {
  const work = new EngineWork();
  assert.equal(await settled(work.quiet(1)), true);
  const leaveA = work.enter();
  const leaveB = work.enter();
  assert.equal(work.count, 2);
  const belowOne = work.quiet(1);
  const belowTwo = work.quiet(2);
  assert.equal(await settled(belowTwo), false);
  leaveA();
  assert.equal(await settled(belowTwo), true, 'one busy run is below 2');
  assert.equal(await settled(belowOne), false, 'one busy run is not below 1');
  leaveA(); // a second call of the same leave changes nothing
  assert.equal(work.count, 1);
  assert.equal(await settled(belowOne), false);
  leaveB();
  assert.equal(await settled(belowOne), true);
  assert.equal(work.count, 0);
});

test('quiet() gives up waiting when its signal aborts (a closing pool)', async () => {
  const work = new EngineWork();
  work.enter();
  const closing = new AbortController();
  const waiting = work.quiet(1, closing.signal);
  assert.equal(await settled(waiting), false);
  closing.abort();
  assert.equal(await settled(waiting), true);
  assert.equal(await settled(work.quiet(1, closing.signal)), true, 'an aborted signal never waits');
});

test('the refill threshold is half the cores, at least 1', () => {
  assert.equal(refillThreshold(1), 1);
  assert.equal(refillThreshold(2), 1);
  assert.equal(refillThreshold(3), 1);
  assert.equal(refillThreshold(8), 4);
});
