import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LightRunHttpError,
  LightRunProtocolError,
  LightRunUnreachableError,
} from '../../src/adapters/light-run/errors.ts';
import type { FetchLike } from '../../src/adapters/light-run/http.ts';
import { LightRunClient } from '../../src/adapters/light-run/light-run-client.ts';

// The client's own logic against a scripted `fetch`: error mapping, bounded calls and the
// NDJSON log stream. Its behaviour against a real light-run is covered by the e2e suites.

const URL_ = 'http://light-run.test:3001';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('LightRunClient (scripted fetch)', () => {
  test('sends the bearer token and reads an HTTP error body into status, code and message', async () => {
    let auth: string | null = null;
    const fetch: FetchLike = async (_url, init) => {
      auth = new Headers(init?.headers).get('authorization');
      return json(409, { error: { code: 'RUN_NOT_ACTIVE', message: 'run x has ended' } });
    };
    const client = new LightRunClient({ url: `${URL_}/`, token: 'T', fetch });
    await assert.rejects(client.cancel('x'), (error: unknown) => {
      assert.ok(error instanceof LightRunHttpError);
      assert.equal(error.status, 409);
      assert.equal(error.remoteCode, 'RUN_NOT_ACTIVE');
      assert.equal(
        error.message,
        `light-run ${URL_}/runs/x/cancel answered 409 RUN_NOT_ACTIVE: run x has ended`,
      );
      return true;
    });
    assert.equal(auth, 'Bearer T');
  });

  test('a body that is not the wire shape is a protocol error naming the field', async () => {
    const client = new LightRunClient({
      url: URL_,
      fetch: async () => json(200, { id: 'r', status: 'exploded' }),
    });
    await assert.rejects(client.getRun('r'), (error: unknown) => {
      assert.ok(error instanceof LightRunProtocolError);
      assert.match(error.message, /status/);
      return true;
    });
  });

  test('a call that gets no answer is bounded and reported as unreachable, naming the URL', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const client = new LightRunClient({ url: URL_, fetch: hang, requestTimeoutMs: 50 });
    // A real hung request holds a socket that keeps the process alive; this fake holds nothing.
    const keepAlive = setTimeout(() => {}, 10_000);
    try {
      await assert.rejects(client.networkExists('n'), (error: unknown) => {
        assert.ok(error instanceof LightRunUnreachableError);
        assert.equal(error.message, `cannot reach light-run at ${URL_} (no answer within 50 ms)`);
        return true;
      });
    } finally {
      clearTimeout(keepAlive);
    }
  });

  test('followLogs parses NDJSON split across chunks and resolves when the stream ends', async () => {
    const lines = [
      { stream: 'stdout', line: 'one', time: 't1' },
      { stream: 'stderr', line: 'two', time: 't2' },
    ];
    const text = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        controller.enqueue(bytes.slice(0, 10));
        controller.enqueue(bytes.slice(10, 47));
        controller.enqueue(bytes.slice(47));
        controller.close();
      },
    });
    let asked = '';
    const client = new LightRunClient({
      url: URL_,
      fetch: async (url) => {
        asked = url;
        return new Response(body, { status: 200 });
      },
    });
    const got: unknown[] = [];
    await client.followLogs('r1', { onLine: (l) => got.push(l) });
    assert.deepEqual(got, lines);
    assert.equal(asked, `${URL_}/runs/r1/logs?follow=1&format=ndjson`);
  });

  test('artifact answers null for 404 and the bytes otherwise; waitForEnd long-polls until terminal', async () => {
    const states = ['running', 'running', 'succeeded'];
    const asked: string[] = [];
    const fetch: FetchLike = async (url) => {
      asked.push(url.replace(URL_, ''));
      if (url.endsWith('/artifacts/missing.json'))
        return json(404, { error: { code: 'NOT_FOUND', message: 'no' } });
      if (url.includes('/artifacts/')) return new Response(new Uint8Array([1, 2, 3]));
      return json(200, { id: 'r', status: states.shift(), artifacts: [] });
    };
    const client = new LightRunClient({ url: URL_, fetch, waitSliceMs: 2000 });
    assert.equal(await client.artifact('r', 'missing.json'), null);
    assert.deepEqual([...((await client.artifact('r', 'dir/out.bin')) ?? [])], [1, 2, 3]);
    assert.equal((await client.waitForEnd('r')).status, 'succeeded');
    assert.deepEqual(asked.slice(2), ['/runs/r?wait=2s', '/runs/r?wait=2s', '/runs/r?wait=2s']);
  });
  test('runStream reads the NDJSON lines of POST /run?stream=ndjson in order, with the output inlined', async () => {
    let asked = '';
    const lines = [
      { type: 'run', state: { id: 'r', status: 'running', artifacts: [] } },
      { type: 'log', stream: 'stdout', line: 'hi', time: 't' },
      {
        type: 'end',
        state: {
          id: 'r',
          status: 'succeeded',
          artifacts: [{ path: 'o.json', bytes: 2, type: 'application/json' }],
        },
        inlined: [
          {
            path: 'o.json',
            bytes: 2,
            type: 'application/json',
            base64: Buffer.from('{}').toString('base64'),
          },
        ],
      },
    ];
    const fetch: FetchLike = async (url) => {
      asked = url;
      return new Response(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), {
        headers: { 'content-type': 'application/x-ndjson' },
      });
    };
    const got: string[] = [];
    await new LightRunClient({ url: URL_, fetch }).runStream(
      { image: 'i', files: { a: '' } },
      { onLine: (l) => got.push(l.type === 'log' ? `log:${l.line}` : `${l.type}:${l.state.status}`) },
    );
    assert.equal(asked, `${URL_}/run?stream=ndjson`);
    assert.deepEqual(got, ['run:running', 'log:hi', 'end:succeeded']);
  });

  test('runStream: a light-run without streams answers its plain state, passed on as the run line', async () => {
    const fetch: FetchLike = async () => json(202, { id: 'r', status: 'queued', artifacts: [] });
    const got: string[] = [];
    await new LightRunClient({ url: URL_, fetch }).runStream(
      { image: 'i', files: { a: '' } },
      { onLine: (l) => got.push(`${l.type}:${l.type === 'log' ? l.line : l.state.id}`) },
    );
    assert.deepEqual(got, ['run:r']);
  });

  test('runStream: a line that is not the wire shape is a protocol error naming the URL', async () => {
    const fetch: FetchLike = async () =>
      new Response('{"type":"run","state":{"id":"r","status":"exploded"}}\n', {
        headers: { 'content-type': 'application/x-ndjson' },
      });
    await assert.rejects(
      new LightRunClient({ url: URL_, fetch }).runStream(
        { image: 'i', files: { a: '' } },
        { onLine: () => {} },
      ),
      (error: unknown) => {
        assert.ok(error instanceof LightRunProtocolError);
        assert.match(error.message, new RegExp(`${URL_}/run\\?stream=ndjson`));
        return true;
      },
    );
  });
});
