import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import type { ErrorBodyJson } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
const MiB = 1024 * 1024;
let lr: LightRunProc;

/** POSTs `body` to /run with Node's global fetch; resolves with the status and error code, or how fetch failed. */
async function post(body: RequestInit['body'], extra: RequestInit = {}): Promise<string> {
  try {
    const res = await lr.api('/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      ...extra,
    });
    return `${res.status} ${((await res.json()) as ErrorBodyJson).error.code}`;
  } catch (err) {
    return `fetch failed: ${String((err as Error).cause ?? err)}`;
  }
}

/** A JSON run body of about `bytes` bytes (one long entrypoint). */
function runBodyOf(bytes: number): string {
  return JSON.stringify({ image: 'localhost/light-sh', entrypoint: `echo ${'x'.repeat(bytes)}` });
}

describe('an over-limit body reaches a fetch client as 413 BODY_TOO_LARGE', () => {
  before(async () => {
    lr = track(scope, await startLightRun());
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('fetch POSTing an 11 MiB body gets 413 BODY_TOO_LARGE, not "fetch failed"', async () => {
    assert.equal(await post(runBodyOf(11 * MiB)), '413 BODY_TOO_LARGE');
  });

  test('fetch POSTing a 100 MiB body gets 413 BODY_TOO_LARGE, and the message names the limit', async () => {
    const res = await lr.api('/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: runBodyOf(100 * MiB),
    });
    assert.equal(res.status, 413);
    const { error } = (await res.json()) as ErrorBodyJson;
    assert.equal(error.code, 'BODY_TOO_LARGE');
    assert.match(error.message, /104857\d{3} bytes/);
    assert.match(error.message, /limit of 10485760 bytes/);
  });

  test('a chunked 20 MiB body (no content-length) gets 413 BODY_TOO_LARGE too', async () => {
    const chunk = new Uint8Array(MiB).fill(0x20);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    assert.equal(await post(stream, { duplex: 'half' } as RequestInit), '413 BODY_TOO_LARGE');
  });

  test('ten 11 MiB bodies in a row all get 413, and light-run then still runs a normal request', async () => {
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await post(runBodyOf(11 * MiB)));
    assert.deepEqual(answers, Array(10).fill('413 BODY_TOO_LARGE'));
    const res = await lr.post('/run', { image: 'localhost/light-sh', entrypoint: 'echo fine' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: string }).status, 'succeeded');
  });

  test('a body just under the limit is parsed, not refused as too large', async () => {
    const answer = await post(
      JSON.stringify({ image: 'localhost/light-sh', input: 'y'.repeat(10 * MiB - 1024), x: 1 }),
    );
    assert.equal(
      answer,
      '400 INVALID_REQUEST',
      'the unknown field is reported, so the body was read and parsed',
    );
  });
});
