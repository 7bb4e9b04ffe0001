import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import Dockerode from 'dockerode';
import { type LocalRegistry, startRegistry } from '../../../test/support/registry.ts';
import { assertNoLeaksOf, leakScope } from '../../../test/support/scoped-leaks.ts';
import type { LogLine, PullProgress } from '../src/index.ts';
import { testRunner } from './support/test-runner.ts';

const docker = new Dockerode();
const progress: PullProgress[] = [];
const t = testRunner('pull', { onPullProgress: (event) => progress.push(event) });
const scope = leakScope();
scope.owners.add(t.owner);
let registry: LocalRegistry;

before(async () => {
  registry = await startRegistry(docker);
});
after(async () => {
  await registry?.[Symbol.asyncDispose]();
  await t[Symbol.asyncDispose]();
  await assertNoLeaksOf(scope);
});

test('a run of an image that only a local registry has pulls it with progress events and its log, then succeeds', async () => {
  const tag = `t-${randomUUID().slice(0, 8)}`;
  const { reference, marker } = await registry.pushFrom('localhost/light-sh', 'light-test/sh', tag);
  await assert.rejects(
    docker.getImage(reference).inspect(),
    { statusCode: 404 },
    'the engine lacks the image',
  );

  const lines: LogLine[] = [];
  const result = await t.runner.run(
    { image: reference, entrypoint: 'cat /marker' },
    { onLog: (line) => lines.push(line) },
  ).result;
  assert.equal(result.status, 'succeeded', JSON.stringify(result));
  assert.ok(
    lines.some((l) => l.stream === 'stdout' && l.line === marker),
    'the container is the pushed image',
  );

  const mine = progress.filter((e) => e.image === reference);
  assert.ok(
    mine.some((e) => /Pulling from light-test\/sh/.test(e.status)),
    JSON.stringify(mine),
  );
  assert.ok(
    mine.some((e) => /Pull complete/.test(e.status)),
    'the layer of its own was downloaded',
  );
  assert.ok(
    mine.some((e) => e.progress !== undefined),
    'byte progress is reported',
  );
  const pullLines = lines.filter(
    (l) => l.stream === 'stderr' && l.line.startsWith(`light-runner: pulling ${reference}: `),
  );
  assert.ok(
    pullLines.some((l) => /Pull complete/.test(l.line)),
    JSON.stringify(pullLines),
  );
  // One line per distinct status, not one per progress tick.
  assert.equal(new Set(pullLines.map((l) => l.line)).size, pullLines.length);
  await registry.forget(reference);
});

test('a tag the local registry does not have fails the run with IMAGE_UNAVAILABLE naming the image, creating nothing', async () => {
  const reference = `${registry.host}/light-test/sh:missing-${randomUUID().slice(0, 8)}`;
  const result = await t.runner.run({ image: reference, entrypoint: 'true' }).result;
  assert.equal(result.status, 'failed');
  assert.equal(result.error?.code, 'IMAGE_UNAVAILABLE', JSON.stringify(result.error));
  assert.ok(result.error?.message.includes(reference), result.error?.message);
  assert.match(result.error?.message ?? '', /not found|manifest unknown/i);
  assert.equal(result.startedAt, null);
});
