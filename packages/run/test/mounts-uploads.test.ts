import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import tar from 'tar-stream';
import type { ErrorBody, RunState } from '../src/index.ts';
import { runSync } from './support/runs.ts';
import { json, startServer, type TestServer } from './support/server.ts';

/** A tar archive of `entries` (name -> content, or a symlink target), as a buffer. */
async function tarOf(entries: Record<string, string | { symlink: string } | { mode: number; body: string }>) {
  const pack = tar.pack();
  for (const [name, value] of Object.entries(entries)) {
    if (typeof value === 'string') pack.entry({ name, mode: 0o644 }, value);
    else if ('symlink' in value) pack.entry({ name, type: 'symlink', linkname: value.symlink });
    else pack.entry({ name, mode: value.mode }, value.body);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function upload(t: TestServer, body: Buffer | Readable): Promise<Response> {
  return t.api('/uploads', {
    method: 'POST',
    headers: { 'content-type': 'application/x-tar' },
    body: body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : body,
    ...(body instanceof Readable ? { duplex: 'half' } : {}),
  } as RequestInit);
}

async function errorOf(res: Response): Promise<ErrorBody['error']> {
  return (await json<ErrorBody>(res)).error;
}

// Each server's disposal asserts that nothing labelled with its owner is left (scoped).
describe('artifact globs, mounts and uploads', () => {
  test('artifact globs keep the matching regular files only, workdir-relative', async () => {
    await using t = await startServer();
    const state = await runSync(t, {
      image: 'localhost/light-sh',
      entrypoint:
        'mkdir -p out && echo a > out/a.csv && echo b > out/b.csv && echo c > out/c.txt && echo r > report.pdf',
      artifacts: ['report.pdf', 'out/*.csv'],
    });
    assert.equal(state.status, 'succeeded', JSON.stringify(state.error));
    assert.deepEqual(state.artifacts.map((a) => a.path).sort(), ['out/a.csv', 'out/b.csv', 'report.pdf']);
  });

  test('a glob that matches nothing fails the run naming the glob', async () => {
    await using t = await startServer();
    const state = await runSync(t, {
      image: 'localhost/light-sh',
      entrypoint: 'echo r > report.pdf',
      artifacts: ['report.pdf', 'out/*.csv'],
    });
    assert.equal(state.status, 'failed');
    assert.equal(state.error?.code, 'ARTIFACT_NO_MATCH');
    assert.match(state.error?.message ?? '', /"out\/\*\.csv" matched no regular file/);
    assert.deepEqual(state.artifacts, []);
  });

  test('a symlink matched by an artifact glob, or on its way, is refused', async () => {
    await using t = await startServer();
    for (const [entrypoint, artifacts] of [
      ['ln -s /etc/passwd secret.txt', ['secret.txt']],
      ['ln -s /etc out', ['out/*']],
      ['mkdir d && echo x > d/ok.txt && ln -s /etc/hostname d/link.txt', ['d/*.txt']],
    ] as const) {
      const state = await runSync(t, { image: 'localhost/light-sh', entrypoint, artifacts: [...artifacts] });
      assert.equal(state.status, 'failed', entrypoint);
      assert.equal(state.error?.code, 'ARTIFACT_REFUSED', `${entrypoint}: ${state.error?.message}`);
      assert.match(state.error?.message ?? '', /symbolic link/);
    }
  });

  test('`..` or an absolute path in an artifact glob is a 400 naming the field', async () => {
    await using t = await startServer();
    for (const bad of ['../etc/passwd', 'out/../../x', '/etc/passwd']) {
      const res = await t.post('/run', { image: 'localhost/light-sh', entrypoint: 'true', artifacts: [bad] });
      assert.equal(res.status, 400, bad);
      const error = await errorOf(res);
      assert.equal(error.code, 'INVALID_REQUEST');
      assert.match(error.message, /artifacts\.0/);
    }
  });

  test("a mount copies another run's matching artifacts under `to`, keeping their paths", async () => {
    await using t = await startServer();
    const from = await runSync(t, {
      image: 'localhost/light-sh',
      entrypoint: 'mkdir -p out && echo one > out/a.csv && echo two > out/b.csv && echo no > out/c.txt',
      artifacts: ['out/*'],
    });
    assert.equal(from.status, 'succeeded');
    const to = await runSync(t, {
      image: 'localhost/light-sh',
      entrypoint:
        'cat in/extract/out/a.csv in/extract/out/b.csv && test ! -e in/extract/out/c.txt && echo mounted',
      mounts: [{ fromRun: from.id, paths: ['out/*.csv'], to: 'in/extract' }],
    });
    assert.equal(to.status, 'succeeded', JSON.stringify(to.error));
    const log = await (await t.api(`/runs/${to.id}/logs`)).text();
    assert.match(log, /one\ntwo\nmounted/);
  });

  test('a mount of an unknown, failed or unmatched run is refused before anything starts', async () => {
    await using t = await startServer();
    const failed = await runSync(t, { image: 'localhost/light-sh', entrypoint: 'exit 3' });
    const ok = await runSync(t, {
      image: 'localhost/light-sh',
      entrypoint: 'echo x > a.txt',
      artifacts: ['a.txt'],
    });
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [
        { fromRun: 'no-such-run', paths: ['a.txt'], to: 'in' },
        404,
        'RUN_NOT_FOUND',
        /mounts\.0\.fromRun: run no-such-run not found/,
      ],
      [{ fromRun: failed.id, paths: ['a.txt'], to: 'in' }, 409, 'MOUNT_NOT_READY', /is failed/],
      [{ fromRun: ok.id, paths: ['*.csv'], to: 'in' }, 400, 'MOUNT_NO_MATCH', /"\*\.csv" matches none/],
      [{ fromRun: ok.id, paths: ['a.txt'], to: '../up' }, 400, 'INVALID_REQUEST', /mounts\.0\.to/],
    ];
    for (const [mount, status, code, message] of cases) {
      const res = await t.post('/run', { image: 'localhost/light-sh', entrypoint: 'true', mounts: [mount] });
      assert.equal(res.status, status, JSON.stringify(mount));
      const error = await errorOf(res);
      assert.equal(error.code, code);
      assert.match(error.message, message);
    }
    const runs = await json<{ runs: RunState[] }>(await t.api('/runs'));
    assert.equal(runs.runs.length, 2, 'no refused run was recorded');
  });

  test('an upload above the body limit is streamed to disk and placed in the workdir of a run', async () => {
    await using t = await startServer({ bodyLimitBytes: 64 * 1024 });
    const big = 'x'.repeat(1024 * 1024);
    const archive = await tarOf({
      'big.txt': big,
      'bin/run.sh': { mode: 0o755, body: '#!/bin/sh\necho ran-from-upload\n' },
    });
    assert.ok(archive.length > 64 * 1024);
    const res = await upload(t, Readable.from([archive]));
    assert.equal(res.status, 201, await res.clone().text());
    const state = await json<{ id: string; files: number; bytes: number }>(res);
    assert.equal(state.files, 2);
    const run = await runSync(t, {
      image: 'localhost/light-sh',
      entrypoint: 'wc -c < big.txt && ./bin/run.sh && cat note.txt',
      files: { 'note.txt': 'inline' },
      upload: state.id,
    });
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const log = await (await t.api(`/runs/${run.id}/logs`)).text();
    assert.match(log, /1048576\nran-from-upload\ninline/);
    assert.equal((await t.api(`/uploads/${state.id}`, { method: 'DELETE' })).status, 204);
    const gone = await t.post('/run', { image: 'localhost/light-sh', entrypoint: 'true', upload: state.id });
    assert.equal(gone.status, 404);
    assert.equal((await errorOf(gone)).code, 'UPLOAD_NOT_FOUND');
  });

  test('an upload holding a symlink or `..` is refused whole; a non-tar body is 415', async () => {
    await using t = await startServer();
    const refused: Record<string, string | { symlink: string }>[] = [
      { 'a.txt': 'a', link: { symlink: '/etc/passwd' } },
      { '../escape.txt': 'x' },
    ];
    for (const entries of refused) {
      const res = await upload(t, await tarOf(entries));
      assert.equal(res.status, 400);
      assert.equal((await errorOf(res)).code, 'UPLOAD_INVALID');
    }
    const json415 = await t.post('/uploads', { files: {} });
    assert.equal(json415.status, 415);
    const tarOnRun = await t.api('/run', {
      method: 'POST',
      headers: { 'content-type': 'application/x-tar' },
      body: await tarOf({ 'a.txt': 'a' }),
    });
    assert.equal(tarOnRun.status, 415);
  });

  test('uploads and artifacts count against the artifact store cap, with a clear error', async () => {
    await using t = await startServer({ artifactStoreBytes: 100_000 });
    const tooBig = await upload(t, await tarOf({ 'a.bin': 'x'.repeat(150_000) }));
    assert.equal(tooBig.status, 413);
    const error = await errorOf(tooBig);
    assert.equal(error.code, 'ARTIFACT_STORE_FULL');
    assert.match(error.message, /artifact store/);
    const held = await upload(t, await tarOf({ 'a.bin': 'x'.repeat(60_000) }));
    assert.equal(held.status, 201);
    const run = await runSync(t, {
      image: 'localhost/light-sh',
      entrypoint: 'head -c 50000 /dev/zero > out.bin',
      artifacts: ['out.bin'],
    });
    assert.equal(run.status, 'failed');
    assert.equal(run.error?.code, 'ARTIFACTS_OVER_CAP');
    assert.match(
      run.error?.message ?? '',
      /more than this light-run's artifact store cap of 100000 bytes \(uploads hold 60000/,
    );
    assert.deepEqual(run.artifacts, []);
  });
});
