import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LightRunHttpError,
  LightRunUnreachableError,
  RequestTooLargeError,
} from '../../src/adapters/light-run/errors.ts';
import type { FetchLike } from '../../src/adapters/light-run/http.ts';
import { LightRunClient } from '../../src/adapters/light-run/light-run-client.ts';

// Which calls retry and which never do, against a scripted `fetch`: a transport failure is
// the TypeError undici throws, with the socket error as its cause.

const URL_ = 'http://light-run.test:3001';
const FAST = { retries: 3, minDelayMs: 1, maxDelayMs: 5 };
const STATE = { id: 'r1', status: 'running', artifacts: [] };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function refused(): never {
  throw new TypeError('fetch failed', {
    cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
  });
}

/** A fetch that answers from `script` in turn and records every call as `METHOD path`. */
function scripted(script: (() => Response)[]): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
    const next = script.shift();
    if (!next) throw new Error(`unexpected call ${url}`);
    return next();
  };
  return { fetch, calls };
}

describe('LightRunClient retries (scripted fetch)', () => {
  test('GET /runs/:id retries a refused connection and a 503, then answers', async () => {
    const { fetch, calls } = scripted([
      refused,
      () => json(503, { error: { code: 'UNAVAILABLE', message: 'starting' } }),
      () => json(200, STATE),
    ]);
    const client = new LightRunClient({ url: URL_, fetch, retry: FAST });
    assert.equal((await client.getRun('r1')).status, 'running');
    assert.deepEqual(calls, ['GET /runs/r1', 'GET /runs/r1', 'GET /runs/r1']);
  });

  test('GET /runs/:id gives up after the retries with an error naming the URL', async () => {
    const { fetch, calls } = scripted([refused, refused, refused, refused]);
    const client = new LightRunClient({ url: URL_, fetch, retry: FAST });
    await assert.rejects(client.getRun('r1'), (error: unknown) => {
      assert.ok(error instanceof LightRunUnreachableError);
      assert.equal(error.message, `cannot reach light-run at ${URL_} (connection refused)`);
      return true;
    });
    assert.equal(calls.length, 4);
  });

  test('a 404 of GET /runs/:id is not retried', async () => {
    const { fetch, calls } = scripted([() => json(404, { error: { code: 'RUN_NOT_FOUND', message: 'no' } })]);
    const client = new LightRunClient({ url: URL_, fetch, retry: FAST });
    await assert.rejects(client.getRun('r1'), LightRunHttpError);
    assert.equal(calls.length, 1);
  });

  test('POST /run is never retried: one refused connection is one error', async () => {
    const { fetch, calls } = scripted([refused]);
    const client = new LightRunClient({ url: URL_, fetch, retry: FAST });
    await assert.rejects(client.submit({ image: 'x' }), LightRunUnreachableError);
    assert.deepEqual(calls, ['POST /run']);
  });

  test('POST /run over maxRequestBytes is refused before sending, naming the size and the limit', async () => {
    const { fetch, calls } = scripted([]);
    const client = new LightRunClient({ url: URL_, fetch, maxRequestBytes: 1024 });
    await assert.rejects(client.submit({ image: 'x', files: { a: 'z'.repeat(4096) } }), (error: unknown) => {
      assert.ok(error instanceof RequestTooLargeError);
      assert.equal(error.code, 'NODE_FILES_TOO_LARGE');
      assert.match(
        error.message,
        /^its request of 4\.\d KiB .* over the 1\.0 KiB body limit of light-run at/,
      );
      return true;
    });
    assert.deepEqual(calls, []);
  });

  test('POST /leases answered 404 (older light-run): no lease, one warning, and later runs omit `service`', async () => {
    const bodies: string[] = [];
    const warnings: string[] = [];
    const { fetch: inner, calls } = scripted([
      () => json(404, { error: { code: 'ROUTE_NOT_FOUND', message: 'POST /leases' } }),
      () => json(202, STATE),
    ]);
    const fetch: FetchLike = (url, init) => {
      if (typeof init?.body === 'string') bodies.push(init.body);
      return inner(url, init);
    };
    const client = new LightRunClient({ url: URL_, fetch, onWarning: (m) => warnings.push(m) });
    assert.equal(await client.openLease(), undefined);
    assert.equal(await client.openLease(), undefined);
    await client.submit({ image: 'x', service: true });
    assert.deepEqual(calls, ['POST /leases', 'POST /run']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /has no leases/);
    assert.equal(JSON.parse(bodies[1] ?? '{}').service, undefined);
  });
});
