import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import type { ErrorBody } from '../src/index.ts';
import { logText, runSync } from './support/runs.ts';
import { startServer, type TestServer } from './support/server.ts';

describe('POST /run (synchronous)', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => {
    await t?.[Symbol.asyncDispose]();
    await assertNoLeaks();
  });

  test('a run with files, stdin input and extract answers succeeded and serves the artifact', async () => {
    const state = await runSync(t, {
      image: 'localhost/light-sh',
      files: { 'main.sh': 'input=$(cat)\nprintf \'{"got":%s}\' "$input" > .lp-output.json\necho done' },
      entrypoint: 'sh main.sh',
      input: { a: 1, b: 'two' },
      extract: ['/app/.lp-output.json'],
    });
    assert.equal(state.status, 'succeeded');
    assert.equal(state.exitCode, 0);
    assert.ok(state.startedAt && state.finishedAt && typeof state.durationMs === 'number');
    const artifact = state.artifacts.find((a) => a.path === '.lp-output.json');
    assert.ok(artifact, `artifacts: ${JSON.stringify(state.artifacts)}`);
    const res = await t.api(`/runs/${state.id}/artifacts/.lp-output.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /json/);
    assert.deepEqual(await res.json(), { got: { a: 1, b: 'two' } });
    assert.match(await logText(t, state.id), /^done$/m);
    const list = (await (await t.api(`/runs/${state.id}/artifacts`)).json()) as { artifacts: unknown[] };
    assert.deepEqual(list.artifacts, state.artifacts);
  });

  test('a binary file goes in and comes out byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const state = await runSync(t, {
      image: 'localhost/light-sh',
      files: { 'blob.bin': { content: bytes.toString('base64'), encoding: 'base64' } },
      entrypoint: 'cp blob.bin out.bin',
      extract: ['/app/out.bin'],
    });
    assert.equal(state.status, 'succeeded');
    const res = await t.api(`/runs/${state.id}/artifacts/out.bin`);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
  });

  test('env values with shell metacharacters arrive literally', async () => {
    const tricky = `$(echo pwned) \`id\` ; rm -rf / && "double" 'single' $HOME \\n *`;
    const state = await runSync(t, {
      image: 'localhost/light-sh',
      env: { TRICKY: tricky },
      entrypoint: 'printf "%s" "$TRICKY" > env.txt',
      extract: ['/app/env.txt'],
    });
    assert.equal(state.status, 'succeeded');
    assert.equal(await (await t.api(`/runs/${state.id}/artifacts/env.txt`)).text(), tricky);
  });

  test('setup commands run in order before the entrypoint, and a failing one stops the run', async () => {
    const ok = await runSync(t, {
      image: 'localhost/light-sh',
      setup: ['echo one > order.txt', 'echo two >> order.txt'],
      entrypoint: 'echo three >> order.txt',
      extract: ['/app/order.txt'],
    });
    assert.equal(ok.status, 'succeeded');
    assert.equal(await (await t.api(`/runs/${ok.id}/artifacts/order.txt`)).text(), 'one\ntwo\nthree\n');
    const failed = await runSync(t, {
      image: 'localhost/light-sh',
      setup: 'false',
      entrypoint: 'echo should-not-run',
    });
    assert.equal(failed.status, 'failed');
    assert.doesNotMatch(await logText(t, failed.id), /should-not-run/);
  });

  test('a non-zero exit is failed with its exit code, and stderr is in the log', async () => {
    const state = await runSync(t, { image: 'localhost/light-sh', entrypoint: 'echo oops >&2; exit 3' });
    assert.equal(state.status, 'failed');
    assert.equal(state.exitCode, 3);
    const ndjson = await (await t.api(`/runs/${state.id}/logs?format=ndjson`)).text();
    const lines = ndjson
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stream: string; line: string; time: string });
    assert.ok(
      lines.some((l) => l.stream === 'stderr' && l.line === 'oops' && l.time.length > 0),
      ndjson,
    );
  });

  test('a timeout kills sleep 60 and ends with status timeout', async () => {
    const started = Date.now();
    const state = await runSync(t, { image: 'localhost/light-sh', entrypoint: 'sleep 60', timeout: 1500 });
    assert.equal(state.status, 'timeout');
    assert.ok(Date.now() - started < 45_000, 'the run was not killed: it took as long as the sleep');
  });

  test('an unknown image fails with IMAGE_UNAVAILABLE naming the image', async () => {
    const state = await runSync(t, { image: 'localhost/light-no-such-image:0.0', entrypoint: 'true' });
    assert.equal(state.status, 'failed');
    assert.equal(state.error?.code, 'IMAGE_UNAVAILABLE');
    assert.match(state.error?.message ?? '', /localhost\/light-no-such-image:0\.0/);
  });

  test('GET /runs lists runs newest first and filters by status', async () => {
    const body = (await (await t.api('/runs?status=failed&limit=2')).json()) as {
      runs: { status: string }[];
    };
    assert.ok(body.runs.length > 0 && body.runs.length <= 2);
    assert.ok(body.runs.every((r) => r.status === 'failed'));
    const bad = await t.api('/runs?status=sleeping');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as ErrorBody).error.code, 'INVALID_REQUEST');
  });

  test('an unknown run id answers 404 RUN_NOT_FOUND on every run route', async () => {
    for (const [method, path] of [
      ['GET', '/runs/nope'],
      ['GET', '/runs/nope/logs'],
      ['GET', '/runs/nope/artifacts'],
      ['GET', '/runs/nope/artifacts/x.txt'],
      ['POST', '/runs/nope/cancel'],
      ['DELETE', '/runs/nope'],
    ] as const) {
      const res = await t.api(path, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(((await res.json()) as ErrorBody).error.code, 'RUN_NOT_FOUND', `${method} ${path}`);
    }
  });
});
