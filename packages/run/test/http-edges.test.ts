import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Dockerode from 'dockerode';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import type { ErrorBody, HealthState } from '../src/index.ts';
import { json, startServer, type TestServer } from './support/server.ts';

function assertErrorShape(body: unknown): asserts body is ErrorBody {
  const error = (body as ErrorBody).error;
  assert.equal(typeof error.code, 'string');
  assert.equal(typeof error.message, 'string');
  assert.doesNotMatch(JSON.stringify(body), /at .*\.(ts|js):\d+/, 'a stack trace reached the client');
}

describe('auth, limits and validation', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ bodyLimitBytes: 4096 });
  });
  after(async () => {
    await t?.[Symbol.asyncDispose]();
    await assertNoLeaks();
  });

  test('GET /health needs no token and reports the engine', async () => {
    const res = await fetch(`${t.url}/health`);
    assert.equal(res.status, 200);
    const body = await json<HealthState>(res);
    assert.equal(body.status, 'ok');
    assert.equal(body.docker.reachable, true);
    assert.match(body.docker.version ?? '', /\d/);
    assert.match(body.version, /^\d+\.\d+\.\d+/);
  });

  test('POST /run with a missing or wrong token answers 401', async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Basic ${t.token}` },
    ];
    for (const headers of variants) {
      const res = await fetch(`${t.url}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ image: 'localhost/light-sh' }),
      });
      assert.equal(res.status, 401);
      const body = await res.json();
      assertErrorShape(body);
      assert.equal(body.error.code, 'UNAUTHORIZED');
    }
    for (const path of ['/runs', '/runs/x', '/networks/x', '/no-such-route']) {
      assert.equal((await fetch(`${t.url}${path}`)).status, 401, path);
    }
  });

  test('a body over the limit answers 413', async () => {
    const res = await t.post('/run', {
      image: 'localhost/light-sh',
      files: { 'big.txt': 'x'.repeat(10_000) },
    });
    assert.equal(res.status, 413);
    const body = await res.json();
    assertErrorShape(body);
    assert.equal(body.error.code, 'BODY_TOO_LARGE');
  });

  test('a traversal or absolute path in files answers 400 naming files.<path>', async () => {
    for (const path of ['../escape.sh', 'a/../../escape.sh', '/etc/passwd']) {
      const res = await t.server.app.inject({
        method: 'POST',
        url: '/run',
        headers: { authorization: `Bearer ${t.token}` },
        payload: { image: 'localhost/light-sh', files: { [path]: 'x' } },
      });
      assert.equal(res.statusCode, 400, path);
      const body = res.json<ErrorBody>();
      assertErrorShape(body);
      assert.equal(body.error.code, 'INVALID_REQUEST');
      assert.ok(body.error.message.startsWith(`files.${path}: `), body.error.message);
    }
  });

  test('bodies that fail validation answer 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'image'],
      [{ image: 'localhost/light-sh', env: { '1BAD': 'x' } }, 'env.1BAD'],
      [{ image: 'localhost/light-sh', timeout: -1 }, 'timeout'],
      [{ image: 'localhost/light-sh', networks: ['bad name'] }, 'networks.0'],
      [{ image: 'localhost/light-sh', workdir: 'relative' }, 'workdir'],
      [{ image: 'localhost/light-sh', cmd: 'ls' }, 'cmd'],
      [{ image: 'localhost/light-sh', callbackUrl: 'ftp://x' }, 'callbackUrl'],
      [{ image: 'localhost/light-sh', callbackSecret: 's' }, 'callbackUrl'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.server.app.inject({
        method: 'POST',
        url: '/run',
        headers: { authorization: `Bearer ${t.token}` },
        payload: payload as Record<string, unknown>,
      });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      const body = res.json<ErrorBody>();
      assert.ok(
        body.error.message.startsWith(`${field}: `),
        `${JSON.stringify(payload)} -> ${body.error.message}`,
      );
    }
  });

  test('malformed JSON answers 400 INVALID_JSON and another media type 415', async () => {
    const bad = await t.api('/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"image":',
    });
    assert.equal(bad.status, 400);
    assert.equal((await json<ErrorBody>(bad)).error.code, 'INVALID_JSON');
    const text = await t.api('/run', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'image',
    });
    assert.equal(text.status, 415);
    assert.equal((await json<ErrorBody>(text)).error.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('an unknown route answers 404 NOT_FOUND in the error shape', async () => {
    const res = await t.api('/nothing-here');
    assert.equal(res.status, 404);
    const body = await res.json();
    assertErrorShape(body);
    assert.equal(body.error.code, 'NOT_FOUND');
  });
});

describe('an engine that does not answer', () => {
  after(() => assertNoLeaks());

  test('GET /health answers 503 with docker.reachable false', async () => {
    await using t = await startServer({ docker: new Dockerode({ socketPath: '/nonexistent/docker.sock' }) });
    const res = await fetch(`${t.url}/health`);
    assert.equal(res.status, 503);
    const body = await json<HealthState>(res);
    assert.equal(body.status, 'unavailable');
    assert.deepEqual(body.docker, { reachable: false, version: null });
  });
});
