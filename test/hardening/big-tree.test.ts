import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { type ErrorBodyJson, logText } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
let lr: LightRunProc;

/** Generous bound of one `/health` answer while light-run takes a big tree, in ms. */
const HEALTH_BOUND_MS = 1000;

/**
 * Polls `GET /health` back to back while `work` runs; resolves with work's result and the
 * slowest answer seen, in ms.
 */
async function whileHealthPolled<T>(
  work: () => Promise<T>,
): Promise<{ result: T; slowestMs: number; polls: number }> {
  let done = false;
  let slowestMs = 0;
  let polls = 0;
  const poller = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${lr.url}/health`, { signal: AbortSignal.timeout(30_000) });
      await res.body?.cancel();
      assert.equal(res.status, 200);
      slowestMs = Math.max(slowestMs, performance.now() - started);
      polls += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  let result: T;
  try {
    result = await work();
  } finally {
    // The poll in flight when the work ends counts too.
    done = true;
    await poller;
  }
  return { result, slowestMs, polls };
}

/** `count` files, each at the end of its own chain of `depth` directories (the attack). */
function ownChains(count: number, depth: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    files[`${Array.from({ length: depth }, (_, d) => `${i}-${d}`).join('/')}/f`] = 'x';
  }
  return files;
}

/** `count` files in one shared chain of `depth` directories. */
function sharedChain(count: number, depth: number): Record<string, string> {
  const dir = Array.from({ length: depth }, (_, d) => `d${d}`).join('/');
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`${dir}/f${i}`] = `${i}\n`;
  return files;
}

describe('a small request with a big file tree cannot stall light-run', () => {
  before(async () => {
    lr = track(scope, await startLightRun());
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('5,000 files each 50 directories deep are refused with 400 naming the directory limit; /health answers within 1 s meanwhile', async () => {
    const body = { image: 'localhost/light-sh', entrypoint: 'true', files: ownChains(5000, 50) };
    const text = JSON.stringify(body);
    assert.ok(text.length < 2 * 1024 * 1024, `the body is small: ${text.length} bytes`);
    const rssBefore = lr.rssKiB();
    const { result, slowestMs, polls } = await whileHealthPolled(async () => {
      const res = await lr.api('/run', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      });
      return { status: res.status, answer: (await res.json()) as ErrorBodyJson };
    });
    assert.equal(result.status, 400, JSON.stringify(result.answer).slice(0, 500));
    assert.equal(result.answer.error.code, 'INVALID_REQUEST');
    assert.match(result.answer.error.message, /^files: .*at most 20000/);
    assert.ok(polls > 0, 'health was polled');
    assert.ok(slowestMs < HEALTH_BOUND_MS, `slowest /health took ${Math.round(slowestMs)} ms`);
    const grownMiB = (lr.rssKiB() - rssBefore) / 1024;
    assert.ok(grownMiB < 150, `light-run grew by ${Math.round(grownMiB)} MiB`);
    const { runs } = (await (await lr.api('/runs')).json()) as { runs: unknown[] };
    assert.equal(runs.length, 0, 'no run was recorded');
  });

  test('10,001 files are refused with 400 naming the file limit', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i <= 10_000; i++) files[`f${i}`] = '';
    const res = await lr.post('/run', { image: 'localhost/light-sh', entrypoint: 'true', files });
    const answer = (await res.json()) as ErrorBodyJson;
    assert.equal(res.status, 400);
    assert.match(answer.error.message, /^files: has 10001 files; a run may carry at most 10000/);
  });

  test('5,000 files under one 50-deep directory run, every file arrives, /health answers within 1 s and RSS stays bounded', async () => {
    const rssBefore = lr.rssKiB();
    const files = sharedChain(5000, 50);
    const { result, slowestMs } = await whileHealthPolled(async () => {
      const res = await lr.post('/run', {
        image: 'localhost/light-sh',
        entrypoint:
          'find . -type f | wc -l; cat d0/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/f4999',
        files,
      });
      return (await res.json()) as { id: string; status: string };
    });
    assert.equal(result.status, 'succeeded', JSON.stringify(result));
    assert.deepEqual((await logText(lr, result.id)).trim().split('\n'), ['5000', '4999']);
    assert.ok(slowestMs < HEALTH_BOUND_MS, `slowest /health took ${Math.round(slowestMs)} ms`);
    const grownMiB = (lr.rssKiB() - rssBefore) / 1024;
    assert.ok(grownMiB < 150, `light-run grew by ${Math.round(grownMiB)} MiB`);
  });

  test('the largest tree allowed (10,000 files, 20,000 directories) runs while /health answers within 1 s', async () => {
    const rssBefore = lr.rssKiB();
    const files: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) files[`${i}/sub/f`] = 'x';
    const { result, slowestMs } = await whileHealthPolled(async () => {
      const res = await lr.post('/run', {
        image: 'localhost/light-sh',
        entrypoint: 'find . -type d | wc -l; find . -type f | wc -l',
        files,
      });
      return (await res.json()) as { id: string; status: string };
    });
    assert.equal(result.status, 'succeeded', JSON.stringify(result));
    // find counts `.` (the workdir) as well.
    assert.deepEqual((await logText(lr, result.id)).trim().split('\n'), ['20001', '10000']);
    assert.ok(slowestMs < HEALTH_BOUND_MS, `slowest /health took ${Math.round(slowestMs)} ms`);
    const grownMiB = (lr.rssKiB() - rssBefore) / 1024;
    assert.ok(grownMiB < 150, `light-run grew by ${Math.round(grownMiB)} MiB`);
  });
});
