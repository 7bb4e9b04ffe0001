import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  executeWorkflow,
  LightRunClient,
  type WorkflowDefinition,
  workflowDefinition,
} from '../../packages/process/src/index.ts';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { runSync } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
let lr: LightRunProc;

/** Every file under a run's artifact directory on the host, relative to it. */
function storedFiles(runId: string): string[] {
  const dir = join(lr.dataDir, 'artifacts', runId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** A one-node workflow whose node runs `entrypoint` in localhost/light-sh. */
function oneNode(entrypoint: string): WorkflowDefinition {
  return workflowDefinition.parse({
    id: 'extract',
    nodes: [{ id: 'n', image: 'localhost/light-sh', entrypoint }],
  });
}

describe('extracting files out of a run', () => {
  before(async () => {
    lr = await startLightRun();
    track(scope, lr);
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('a .lp-output.json symlink to /etc/passwd is not followed: no artifact, nothing of passwd on the host', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'ln -s /etc/passwd .lp-output.json && ln -s /etc out',
      extract: ['/app/.lp-output.json', '/app/out'],
    });
    assert.equal(state.status, 'succeeded');
    assert.deepEqual(state.artifacts, []);
    assert.deepEqual(storedFiles(state.id), []);
    const res = await lr.api(`/runs/${state.id}/artifacts/.lp-output.json`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ARTIFACT_NOT_FOUND');
  });

  test('through light-process, a symlinked output becomes {} and the node still succeeds', async () => {
    const runner = new LightRunClient({ url: lr.url, token: lr.token });
    const result = await executeWorkflow(oneNode('ln -s /etc/passwd .lp-output.json'), {}, { runner });
    assert.equal(result.success, true, JSON.stringify(result.error));
    assert.deepEqual(result.results.n?.output, {});
  });

  test('an output over the 256 MiB cap is refused with EXTRACT_TOO_LARGE naming the file and the cap', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'head -c 300000000 /dev/zero > big.bin',
      extract: ['/app/big.bin'],
      timeout: 120_000,
    });
    assert.equal(state.status, 'failed');
    assert.equal(state.exitCode, 0);
    assert.equal(state.error?.code, 'EXTRACT_TOO_LARGE');
    assert.equal(state.error?.message, 'extracted file /app/big.bin exceeds the limit of 268435456 bytes');
    assert.deepEqual(state.artifacts, []);
    assert.deepEqual(storedFiles(state.id), [], 'no partial file is kept');
  });

  test('many files each under the cap but over it in total are refused too (host disk stays bounded)', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'mkdir out && for i in 1 2 3; do head -c 100000000 /dev/zero > out/f$i; done',
      extract: ['/app/out'],
      timeout: 120_000,
    });
    assert.equal(state.status, 'failed', `300 MB were extracted: ${JSON.stringify(state.artifacts)}`);
    assert.equal(state.error?.code, 'EXTRACT_TOO_LARGE');
    assert.match(state.error?.message ?? '', /268435456 bytes/);
    assert.deepEqual(storedFiles(state.id), [], 'no partial file is kept');
  });

  test('a directory where the output file is expected: light-run lists what is inside, the file path answers 404', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'mkdir .lp-output.json && echo "{\\"a\\":1}" > .lp-output.json/inner',
      extract: ['/app/.lp-output.json'],
    });
    assert.equal(state.status, 'succeeded');
    assert.deepEqual(
      state.artifacts.map((a) => a.path),
      ['.lp-output.json/inner'],
    );
    assert.equal((await lr.api(`/runs/${state.id}/artifacts/.lp-output.json`)).status, 404);
  });

  test('through light-process, a directory named .lp-output.json gives the node an empty output, not a crash', async () => {
    const runner = new LightRunClient({ url: lr.url, token: lr.token });
    const result = await executeWorkflow(
      oneNode('mkdir .lp-output.json && echo "{}" > .lp-output.json/inner'),
      {},
      { runner },
    );
    assert.equal(result.success, true, JSON.stringify(result.error));
    assert.deepEqual(result.results.n?.output, {});
  });

  test('a FIFO named like the output is skipped unread (no hang)', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'mkfifo .lp-output.json',
      extract: ['/app/.lp-output.json'],
      timeout: 30_000,
    });
    assert.equal(state.status, 'succeeded');
    assert.deepEqual(state.artifacts, []);
  });
});
