import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { type ErrorBodyJson, headersOnly, logText, rawRequest, runSync } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
let lr: LightRunProc;

/** POSTs a body to /run and asserts a 400 INVALID_REQUEST whose message starts with `field: `. */
async function rejected(body: unknown, field: string, message?: RegExp): Promise<ErrorBodyJson> {
  const res = await lr.post('/run', body);
  const answer = (await res.json()) as ErrorBodyJson;
  assert.equal(
    res.status,
    400,
    `${JSON.stringify(body).slice(0, 200)} -> ${res.status} ${JSON.stringify(answer)}`,
  );
  assert.equal(answer.error.code, 'INVALID_REQUEST');
  assert.ok(answer.error.message.startsWith(`${field}: `), `message names ${field}: ${answer.error.message}`);
  if (message) assert.match(answer.error.message, message);
  return answer;
}

const sh = { image: 'localhost/light-sh', entrypoint: 'true' };

describe('bad HTTP input to light-run', () => {
  before(async () => {
    lr = await startLightRun();
    track(scope, lr);
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('file paths: absolute, .., NUL, an over-long segment and an over-long path each answer 400 naming files', async () => {
    await rejected({ ...sh, files: { '/etc/cron.d/x': 'a' } }, 'files./etc/cron.d/x', /relative/);
    await rejected({ ...sh, files: { '../escape': 'a' } }, 'files.../escape', /'\.\.'/);
    await rejected({ ...sh, files: { 'a/../../b': 'a' } }, 'files.a/../../b', /'\.\.'/);
    await rejected({ ...sh, files: { 'a\u0000b': 'a' } }, 'files.a\u0000b', /NUL/);
    const segment = 'x'.repeat(256);
    await rejected({ ...sh, files: { [segment]: 'a' } }, `files.${segment}`, /255 bytes/);
    const long = Array.from({ length: 10 }, () => 'y'.repeat(200)).join('/');
    await rejected({ ...sh, files: { [long]: 'a' } }, `files.${long}`, /1024/);
  });

  test('an empty files map is accepted as "no files" and the run succeeds', async () => {
    const { status, state } = await runSync(lr, { ...sh, files: {} });
    assert.equal(status, 200);
    assert.equal(state.status, 'succeeded');
  });

  test('invalid env names answer 400 naming the variable; metacharacters in values are passed literally', async () => {
    await rejected({ ...sh, env: { '1A': 'x' } }, 'env.1A', /env names/);
    await rejected({ ...sh, env: { 'A-B': 'x' } }, 'env.A-B');
    await rejected({ ...sh, env: { 'A B': 'x' } }, 'env.A B');
    await rejected({ ...sh, env: { '': 'x' } }, 'env.');
    const nasty = '$(id) `uname` ; echo pwned && rm -rf /app || true | cat > /tmp/x \'"\\ $HOME\n*';
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      env: { NASTY: nasty },
      entrypoint: 'printf "%s|END" "$NASTY"; test ! -e /tmp/x',
    });
    assert.equal(state.status, 'succeeded');
    assert.equal(await logText(lr, state.id), `${nasty}|END\n`);
  });

  test('huge numbers, negative and fractional timeouts, and wrong types answer 400 naming the field', async () => {
    await rejected({ ...sh, timeout: 1e308 }, 'timeout');
    await rejected({ ...sh, timeout: 2 ** 53 }, 'timeout');
    await rejected({ ...sh, timeout: -1 }, 'timeout');
    await rejected({ ...sh, timeout: 1.5 }, 'timeout');
    await rejected({ ...sh, timeout: '1000' }, 'timeout');
    await rejected({ ...sh, image: 42 }, 'image');
    await rejected({ ...sh, image: '' }, 'image');
    await rejected({ ...sh, files: ['a'] }, 'files');
    await rejected({ ...sh, files: { 'a.txt': 42 } }, 'files.a.txt');
    await rejected({ ...sh, networks: 'none' }, 'networks');
    await rejected({ ...sh, detached: 'yes' }, 'detached');
    await rejected({ ...sh, workdir: 'relative/dir' }, 'workdir');
    await rejected({ ...sh, extract: ['/app/../etc/passwd'] }, 'extract.0');
    await rejected({ ...sh, callbackUrl: 'file:///etc/passwd' }, 'callbackUrl');
    await rejected({ ...sh, surprise: true }, 'surprise', /unknown field/);
    for (const body of [[sh], 'localhost/light-sh', 42, null]) {
      const res = await lr.post('/run', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as ErrorBodyJson).error.code, 'INVALID_REQUEST');
    }
  });

  test('values the runner would refuse are refused at the edge with 400, before any run exists', async () => {
    await rejected({ ...sh, image: 'localhost/light-sh --privileged' }, 'image');
    await rejected({ ...sh, networks: ['none', 'bridge'] }, 'networks');
    await rejected(
      { ...sh, files: { 'a.bin': { content: 'not base64!', encoding: 'base64' } } },
      'files.a.bin',
    );
    await rejected({ ...sh, env: { A: 'nul\u0000inside' } }, 'env.A');
    await rejected({ ...sh, entrypoint: 'echo \u0000' }, 'entrypoint');
    const { runs } = (await (await lr.api('/runs')).json()) as { runs: { status: string }[] };
    assert.equal(runs.filter((r) => r.status === 'failed').length, 0, 'no run was created for a bad body');
  });

  test('malformed JSON answers 400 INVALID_JSON, a wrong content type 415, an oversized body 413', async () => {
    const auth = { authorization: `Bearer ${lr.token}` };
    const bad = await rawRequest(lr.url, {
      method: 'POST',
      path: '/run',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"image": "localhost/light-sh",',
    });
    assert.equal(bad.status, 400);
    assert.equal((JSON.parse(bad.body) as ErrorBodyJson).error.code, 'INVALID_JSON');
    const text = await rawRequest(lr.url, {
      method: 'POST',
      path: '/run',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: JSON.stringify(sh),
    });
    assert.equal(text.status, 415);
    assert.equal((JSON.parse(text.body) as ErrorBodyJson).error.code, 'UNSUPPORTED_MEDIA_TYPE');
    const form = await rawRequest(lr.url, {
      method: 'POST',
      path: '/run',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'image=localhost/light-sh',
    });
    assert.equal(form.status, 415);
    // light-run answers 413 on the declared length, before reading any of the body.
    const huge = await headersOnly(lr.url, {
      method: 'POST',
      path: '/run',
      headers: { ...auth, 'content-type': 'application/json', 'content-length': String(11 * 1024 * 1024) },
    });
    assert.equal(huge.status, 413, huge.body);
    assert.equal((JSON.parse(huge.body) as ErrorBodyJson).error.code, 'BODY_TOO_LARGE');
    // Without a declared length (chunked), the body is counted as it streams in.
    const chunked = await fetch(`${lr.url}/run`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(
            new TextEncoder().encode(
              `{"image":"localhost/light-sh","entrypoint":"${'x'.repeat(11 * 1024 * 1024)}"}`,
            ),
          );
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).then(
      (res) => res.status,
      (err: unknown) => `reset: ${String((err as Error).cause ?? err)}`,
    );
    assert.ok(chunked === 413 || /^reset: /.test(String(chunked)), `chunked oversized body: ${chunked}`);
    assert.equal((await lr.api('/health')).status, 200, 'light-run is still up');
  });

  test('missing, wrong and almost-right tokens all answer 401 with a Bearer challenge, on every route', async () => {
    const almost = [
      undefined,
      'Bearer',
      'Bearer ',
      `Bearer ${lr.token.slice(0, -1)}`,
      `Bearer ${lr.token}x`,
      `Bearer ${lr.token.slice(0, -1)}${lr.token.endsWith('a') ? 'b' : 'a'}`,
      `Bearer ${lr.token.toUpperCase()}`,
      `Basic ${lr.token}`,
      lr.token,
      `Bearer ${lr.token} ${lr.token}`,
    ];
    for (const path of ['/runs', '/run', '/networks/x', '/runs/x/artifacts/a', '/nope']) {
      for (const header of almost) {
        const res = await fetch(
          `${lr.url}${path}`,
          header === undefined ? {} : { headers: { authorization: header } },
        );
        assert.equal(res.status, 401, `${path} with ${JSON.stringify(header)}`);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="light-run"');
        assert.equal(((await res.json()) as ErrorBodyJson).error.code, 'UNAUTHORIZED');
      }
    }
    assert.equal((await fetch(`${lr.url}/health`)).status, 200, '/health needs no token');
  });

  test('artifact paths with encoded traversal never leave the run: 400 for .., 404 otherwise', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'echo hi > out.txt',
      extract: ['/app/out.txt'],
    });
    assert.equal(state.status, 'succeeded');
    const auth = { authorization: `Bearer ${lr.token}` };
    const get = (path: string) =>
      rawRequest(lr.url, { path: `/runs/${state.id}/artifacts/${path}`, headers: auth });
    assert.equal((await get('out.txt')).body, 'hi\n');
    for (const path of [
      '%2e%2e/%2e%2e/runs',
      '..%2f..%2fruns',
      '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '../../../etc/passwd',
      '%00out.txt',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 400, `${path}: ${res.status} ${res.body}`);
      assert.match((JSON.parse(res.body) as ErrorBodyJson).error.message, /^path: /);
    }
    for (const path of ['%252e%252e/%252e%252e/runs', '..%5c..%5cruns', 'out.txt%2f', '%2fetc%2fpasswd']) {
      const res = await get(path);
      assert.ok([400, 404].includes(res.status), `${path}: ${res.status} ${res.body}`);
      assert.doesNotMatch(res.body, /root:x:0:0|"status"/);
    }
  });

  test('unknown run ids answer 404 RUN_NOT_FOUND on every run route; unknown networks are reported, bad names 400', async () => {
    const id = '00000000-0000-0000-0000-000000000000';
    const routes: [string, string][] = [
      ['GET', `/runs/${id}`],
      ['GET', `/runs/${id}?wait=1s`],
      ['GET', `/runs/${id}/logs`],
      ['GET', `/runs/${id}/artifacts`],
      ['GET', `/runs/${id}/artifacts/out.txt`],
      ['POST', `/runs/${id}/cancel`],
      ['POST', `/runs/${id}/stop`],
      ['POST', `/runs/${id}/pause`],
      ['POST', `/runs/${id}/resume`],
      ['DELETE', `/runs/${id}`],
      ['GET', '/runs/..%2f..%2fetc'],
    ];
    for (const [method, path] of routes) {
      const res = await lr.api(path, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(((await res.json()) as ErrorBodyJson).error.code, 'RUN_NOT_FOUND', `${method} ${path}`);
    }
    const missing = await lr.api('/networks/hard-no-such-net');
    assert.deepEqual(await missing.json(), { name: 'hard-no-such-net', exists: false });
    const del = await lr.api('/networks/hard-no-such-net', { method: 'DELETE' });
    assert.equal(del.status, 404);
    assert.equal(((await del.json()) as ErrorBodyJson).error.code, 'NETWORK_NOT_FOUND');
    const bad = await lr.post('/networks', { name: '../host' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as ErrorBodyJson).error.message, /^name: /);
    const host = await lr.post('/networks', { name: 'host', driver: 'host' });
    assert.equal(host.status, 400);
  });
});
