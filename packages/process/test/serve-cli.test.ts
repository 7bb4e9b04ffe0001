import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import type { RunRecord } from '../src/store/types.ts';
import { greetWorkflow, writeWorkflows } from './serve-fixtures.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const SCRIPT = `import(${JSON.stringify(MAIN)}).then(async (m) => { process.exitCode = await m.main(process.argv); })`;

describe('light serve (the CLI, all-in-one mode)', () => {
  const dir = tempDir('serve-cli');
  let child: ChildProcess;
  let base: string;
  let stderr = '';

  before(async () => {
    await writeWorkflows(dir.path, [greetWorkflow]);
    const env = { ...process.env, LP_API_KEY: '', LIGHT_RUN_URL: '' };
    child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', SCRIPT, 'light', 'serve', dir.path, '--port', '0'],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
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
  });

  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    dir[Symbol.dispose]();
    await assertNoLeaks();
  });

  test('it serves the folder with its own light-run and warns that the API is open', async () => {
    const list = (await (await fetch(`${base}/api/workflows`)).json()) as { workflows: { id: string }[] };
    assert.deepEqual(
      list.workflows.map((w) => w.id),
      ['greet'],
    );
    assert.match(stderr, /light-run: local \(http:\/\/127\.0\.0\.1:\d+\)/);
    assert.match(stderr, /API is open/);
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
