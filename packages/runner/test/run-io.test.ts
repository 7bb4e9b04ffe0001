import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import type { LogLine } from '../src/index.ts';
import { testRunner } from './support/test-runner.ts';

const hostNameCheckId = `host-name-check-${randomUUID().slice(0, 8)}`;
const t = testRunner('io');
after(async () => {
  await t[Symbol.asyncDispose]();
  await assertNoLeaks();
});

test('a run with files and stdin input extracts what the container wrote', async () => {
  const logs: LogLine[] = [];
  const run = t.runner.run(
    {
      image: 'localhost/light-sh',
      files: { 'greeting.txt': 'hello', 'conf/app.json': '{"a":1}' },
      input: { name: 'ada', n: [1, 2] },
      entrypoint:
        'cat greeting.txt; cat > input.json; cp conf/app.json .lp-output.json; echo oops >&2; printf tail',
      extract: ['/app/.lp-output.json', 'input.json', '/app/missing.txt'],
    },
    { onLog: (line) => logs.push(line) },
  );
  const result = await run.result;
  assert.equal(result.status, 'succeeded', JSON.stringify(result));
  assert.equal(result.exitCode, 0);
  assert.deepEqual(
    result.artifacts.map((a) => [a.path, a.type]),
    [
      ['.lp-output.json', 'application/json'],
      ['input.json', 'application/json'],
    ],
  );
  const dir = join(t.artifactsDir, run.id);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'input.json'), 'utf8')), { name: 'ada', n: [1, 2] });
  assert.equal(readFileSync(join(dir, '.lp-output.json'), 'utf8'), '{"a":1}');
  // stdout and stderr are separate pipes: their relative order is not defined.
  assert.deepEqual(logs.map((l) => `${l.stream}:${l.line}`).sort(), ['stderr:oops', 'stdout:hellotail']);
  const record = await t.runner.get(run.id);
  assert.equal(record?.status, 'succeeded');
  assert.equal(record?.artifacts.length, 2);
});

test('a binary file goes in as base64 and comes out byte for byte', async () => {
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const run = t.runner.run({
    image: 'localhost/light-sh',
    files: { 'in/blob.bin': { content: bytes.toString('base64'), encoding: 'base64' } },
    entrypoint: 'mkdir -p /tmp/out/deep && cp in/blob.bin /tmp/out/deep/copy.bin',
    extract: ['/tmp/out'],
  });
  const result = await run.result;
  assert.equal(result.status, 'succeeded', JSON.stringify(result));
  assert.deepEqual(result.artifacts, [
    { path: 'tmp/out/deep/copy.bin', bytes: 256, type: 'application/octet-stream' },
  ]);
  assert.deepEqual(readFileSync(join(t.artifactsDir, run.id, 'tmp/out/deep/copy.bin')), bytes);
});

test('env values with shell metacharacters reach the process unchanged', async () => {
  const tricky = '$(id) `whoami` ; rm -rf / | & "quoted" \'single\' $HOME \\n';
  const logs: string[] = [];
  const run = t.runner.run(
    { image: 'localhost/light-sh', env: { TRICKY: tricky }, entrypoint: 'printf "%s" "$TRICKY"' },
    { onLog: (l) => logs.push(l.line) },
  );
  assert.equal((await run.result).status, 'succeeded');
  assert.deepEqual(logs, [tricky]);
});

test('setup commands run in order before the entrypoint and a failing one stops the chain', async () => {
  const logs: string[] = [];
  const ok = t.runner.run(
    { image: 'localhost/light-sh', setup: ['echo one > log', 'echo two >> log'], entrypoint: 'cat log' },
    { onLog: (l) => logs.push(l.line) },
  );
  assert.equal((await ok.result).status, 'succeeded');
  assert.deepEqual(logs, ['one', 'two']);

  const broken: string[] = [];
  const failing = t.runner.run(
    { image: 'localhost/light-sh', setup: ['false'], entrypoint: 'echo never' },
    { onLog: (l) => broken.push(l.line) },
  );
  const result = await failing.result;
  assert.equal(result.status, 'failed');
  assert.equal(result.exitCode, 1);
  assert.deepEqual(broken, []);
});

test('a non-zero exit ends failed with the exit code and no artifacts', async () => {
  const result = await t.runner.run({
    image: 'localhost/light-sh',
    entrypoint: 'echo x > out.txt; exit 3',
    extract: ['out.txt'],
  }).result;
  assert.equal(result.status, 'failed');
  assert.equal(result.exitCode, 3);
  assert.deepEqual(result.artifacts, []);
  assert.equal(result.error, undefined);
});

test('a run without entrypoint runs the image command in the given workdir with stdin empty', async () => {
  const logs: string[] = [];
  const result = await t.runner.run(
    {
      image: 'localhost/light-python',
      workdir: '/work/dir',
      entrypoint: 'pwd; python3 -c "import sys; print(repr(sys.stdin.read()))"',
    },
    { onLog: (l) => logs.push(l.line) },
  ).result;
  assert.equal(result.status, 'succeeded', JSON.stringify(result));
  assert.deepEqual(logs, ['/work/dir', "''"]);

  const plain = await t.runner.run({ image: 'localhost/light-sh', files: { 'x.txt': 'x' } }).result;
  assert.equal(plain.status, 'succeeded', JSON.stringify(plain));
});

test('the container hostname is the run id', async () => {
  const logs: string[] = [];
  const run = t.runner.run(
    {
      image: 'localhost/light-node',
      id: hostNameCheckId,
      entrypoint: 'node -e "console.log(require(\'os\').hostname())"',
    },
    {
      onLog: (l) => logs.push(l.line),
    },
  );
  assert.equal((await run.result).status, 'succeeded');
  assert.deepEqual(logs, [hostNameCheckId]);
  await t.runner.remove(hostNameCheckId);
  assert.equal(await t.runner.get(hostNameCheckId), undefined);
});

test('a file given a mode keeps it: an executable script runs directly', async () => {
  const logs: string[] = [];
  const result = await t.runner.run(
    {
      image: 'localhost/light-sh',
      files: {
        'bin/hello.sh': { content: '#!/bin/sh\necho "mode ok"\n', encoding: 'utf8', mode: 0o755 },
        'plain.txt': 'x',
      },
      entrypoint: './bin/hello.sh && stat -c %a plain.txt bin/hello.sh',
    },
    { onLog: (l) => logs.push(l.line) },
  ).result;
  assert.equal(result.status, 'succeeded', JSON.stringify(result));
  assert.deepEqual(logs, ['mode ok', '644', '755']);
});
