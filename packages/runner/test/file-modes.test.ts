import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Dockerode from 'dockerode';
import { type DockerRunner, LABELS, type RunRequest } from '../src/index.ts';
import { testRunner } from './support/test-runner.ts';

const docker = new Dockerode();
const t = testRunner('modes', { warmPool: { images: ['localhost/light-sh'], size: 1 } });
const cold = t.sibling({ warmPool: undefined });

before(async () => {
  await t.runner.warmUp();
});
after(async () => {
  await t[Symbol.asyncDispose]();
  const filters = JSON.stringify({ label: [`${LABELS.owner}=${t.owner}`] });
  assert.deepEqual(await docker.listContainers({ all: true, filters }), [], 'containers left behind');
});

/** Files asking for setuid, setgid and sticky bits; each must arrive with 0o777 of its mode. */
const request: RunRequest = {
  image: 'localhost/light-sh',
  files: {
    suid: { content: '#!/bin/sh\necho hi\n', encoding: 'utf8', mode: 0o6755 },
    'bin/setgid': { content: 'x', encoding: 'utf8', mode: 0o2750 },
    sticky: { content: 'x', encoding: 'utf8', mode: 0o1777 },
  },
  entrypoint: 'stat -c "%a %n" suid bin/setgid sticky; echo special: $(find . -perm /7000 | wc -l)',
};

async function modesSeenBy(runner: DockerRunner): Promise<{ id: string; lines: string[] }> {
  const lines: string[] = [];
  const run = runner.run(request, { onLog: (l) => lines.push(l.line) });
  const result = await run.result;
  assert.equal(result.status, 'succeeded', JSON.stringify(result));
  return { id: run.id, lines };
}

const expected = ['755 suid', '750 bin/setgid', '777 sticky', 'special: 0'];

test('a cold run with mode 0o6755 gets 0o755: setuid, setgid and sticky bits are dropped', async () => {
  assert.deepEqual((await modesSeenBy(cold)).lines, expected);
});

test('a run served from the warm pool gets the same masked modes', async () => {
  const filters = JSON.stringify({ label: [`${LABELS.owner}=${t.owner}`, `${LABELS.kind}=pool`] });
  const parked = new Set((await docker.listContainers({ filters })).map((c) => c.Labels[LABELS.runId]));
  const { id, lines } = await modesSeenBy(t.runner);
  assert.ok(parked.has(id), 'served from the pool');
  assert.deepEqual(lines, expected);
});
