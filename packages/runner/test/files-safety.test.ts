import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Dockerode from 'dockerode';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { DockerRunner, EngineUnreachableError, LABELS } from '../src/index.ts';
import { testRunner } from './support/test-runner.ts';

const t = testRunner('files');
after(async () => {
  await t[Symbol.asyncDispose]();
  await assertNoLeaks();
});

test('path traversal in files is rejected with INVALID_REQUEST before anything is created', async () => {
  for (const [id, files] of [
    ['traversal-dots', { '../../etc/cron.d/x': 'boom' }],
    ['traversal-absolute', { '/etc/passwd': 'boom' }],
    ['traversal-nul', { 'a\0b': 'boom' }],
  ] as const) {
    const result = await t.runner.run({ image: 'localhost/light-sh', id, files, entrypoint: 'true' }).result;
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'INVALID_REQUEST');
    assert.equal(await t.runner.get(id), undefined);
    const containers = await new Dockerode().listContainers({
      all: true,
      filters: JSON.stringify({ label: [`${LABELS.runId}=${id}`] }),
    });
    assert.deepEqual(containers, []);
  }
  const extract = await t.runner.run({ image: 'localhost/light-sh', extract: ['/app/../../etc/shadow'] })
    .result;
  assert.equal(extract.error?.code, 'INVALID_REQUEST');
});

test('a symlink output is never followed: .lp-output.json -> /etc/passwd yields no artifact', async () => {
  const run = t.runner.run({
    image: 'localhost/light-sh',
    entrypoint:
      'ln -s /etc/passwd .lp-output.json; mkdir out; echo real > out/real.txt; ln -s /etc/passwd out/link',
    extract: ['.lp-output.json', 'out'],
  });
  const result = await run.result;
  assert.equal(result.status, 'succeeded', JSON.stringify(result));
  assert.deepEqual(
    result.artifacts.map((a) => a.path),
    ['out/real.txt'],
  );
  assert.equal(readFileSync(join(t.artifactsDir, run.id, 'out/real.txt'), 'utf8'), 'real\n');
  assert.ok(!existsSync(join(t.artifactsDir, run.id, '.lp-output.json')));
  assert.ok(!existsSync(join(t.artifactsDir, run.id, 'out/link')));
});

test('an extracted file over maxExtractBytes fails the run with EXTRACT_TOO_LARGE naming path and limit', async () => {
  const small = t.sibling({ maxExtractBytes: 1000 });
  const run = small.run({
    image: 'localhost/light-sh',
    entrypoint: 'head -c 5000 /dev/zero > big.bin',
    extract: ['big.bin'],
  });
  const result = await run.result;
  assert.equal(result.status, 'failed');
  assert.equal(result.exitCode, 0);
  assert.equal(result.error?.code, 'EXTRACT_TOO_LARGE');
  assert.match(result.error?.message ?? '', /\/app\/big\.bin.*1000 bytes/);
  assert.ok(!existsSync(join(t.artifactsDir, run.id)));
});

test('an image that is neither local nor pullable ends IMAGE_UNAVAILABLE naming the image and reason', async () => {
  const progress: string[] = [];
  const runner = t.sibling({ onPullProgress: (e) => progress.push(e.status) });
  const result = await runner.run({ image: 'localhost/light-does-not-exist:1.0', entrypoint: 'true' }).result;
  assert.equal(result.status, 'failed');
  assert.equal(result.error?.code, 'IMAGE_UNAVAILABLE');
  assert.match(result.error?.message ?? '', /localhost\/light-does-not-exist:1\.0 is unavailable: \S+/);
});

test('an engine that does not answer gives ENGINE_UNREACHABLE naming the socket', async () => {
  const socketPath = '/nonexistent/docker.sock';
  const runner = new DockerRunner({
    docker: new Dockerode({ socketPath }),
    stateDir: join(t.stateDir, 'unreachable'),
    artifactsDir: t.artifactsDir,
  });
  await assert.rejects(
    runner.ping(),
    (err: unknown) => err instanceof EngineUnreachableError && err.message.includes(socketPath),
  );
  const result = await runner.run({ image: 'localhost/light-sh', networks: ['none'], entrypoint: 'true' })
    .result;
  assert.equal(result.error?.code, 'ENGINE_UNREACHABLE');
  assert.deepEqual(await t.runner.ping().then((p) => typeof p.version), 'string');
});
