import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { ownerOf } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, reapScope } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import type { RunRecord } from '../src/faces/server/store/types.ts';
import { greetWorkflow, writeWorkflows } from './serve-fixtures.ts';
import { lightRunChildOf, spawnLight } from './support/light-bin.ts';

describe('light serve (the CLI, all-in-one mode)', () => {
  const dir = tempDir('serve-cli');
  // What this file made: light serve, its local light-run (owner label, data dir) and the folder.
  const scope = leakScope();
  scope.tempPaths.add(dir.path);
  let child: ChildProcess;
  let base: string;
  let stderr = '';

  before(async () => {
    await writeWorkflows(dir.path, [greetWorkflow]);
    ({ child } = spawnLight(['serve', dir.path, '--port', '0'], {
      env: { LP_API_KEY: '', LIGHT_RUN_URL: '' },
    }));
    scope.pids.add(child.pid as number);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`light serve printed no address within 60 s:\n${stderr}`)),
        60_000,
      );
      lines.on('line', (line) => {
        const match = /^light serve: (http:\/\/\S+)/.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const lightRun = lightRunChildOf(child.pid as number);
    assert.ok(lightRun, 'light serve started a local light-run');
    scope.pids.add(lightRun.pid);
    scope.owners.add(ownerOf(lightRun.dataDir));
    scope.tempPaths.add(lightRun.dataDir);
  });

  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    dir[Symbol.dispose]();
    try {
      await assertNoLeaksOf(scope);
    } finally {
      await reapScope(scope);
    }
  });

  test('it serves the folder with its own light-run and warns that the API is open', async () => {
    const list = (await (await fetch(`${base}/api/workflows`)).json()) as { workflows: { id: string }[] };
    assert.deepEqual(
      list.workflows.map((w) => w.id),
      ['greet'],
    );
    assert.match(stderr, /light-run: local \(http:\/\/127\.0\.0\.1:\d+\)/);
    assert.match(stderr, /API is open/);
    assert.equal(stderr.match(/API is open/g)?.length, 1, `the open-API warning once:\n${stderr}`);
    const page = await fetch(`${base}/`);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  });

  test('it runs a workflow in containers', async () => {
    const res = await fetch(`${base}/api/workflows/greet/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'CLI' }),
    });
    const run = (await res.json()) as RunRecord;
    assert.equal(run.status, 'succeeded');
  });

  test('SIGINT stops it with exit code 0 and stops its light-run', async () => {
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, stderr);
    assert.match(stderr, /SIGINT: cancelling running runs and stopping/);
    // Its local light-run is gone too: the port it listened on no longer answers.
    const lightRun = /light-run: local \((http:\/\/127\.0\.0\.1:\d+)\)/.exec(stderr)?.[1];
    assert.ok(lightRun, stderr);
    await assert.rejects(fetch(`${lightRun}/health`, { signal: AbortSignal.timeout(5_000) }));
  });
});
