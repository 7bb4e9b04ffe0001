import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, track } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { LightRunClient } from '../src/adapters/light-run/light-run-client.ts';
import { workflowDefinition } from '../src/definition/definitions.ts';
import { executeWorkflow } from '../src/engine/execute.ts';
import { runLight } from './support/light-bin.ts';

const IMAGE = 'localhost/light-sh';
const scope = leakScope();
const dirs: { path: string; [Symbol.dispose](): void }[] = [];
let lr: LightRunProc;

/** A port of 127.0.0.1 where nothing listens (just released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A workflow folder whose node `big` holds `file` (name -> bytes) next to a sleeping service. */
function folderWith(file: Record<string, Buffer | string>): string {
  const dir = tempDir('lp-errors');
  dirs.push(dir);
  scope.tempPaths.add(dir.path);
  writeFileSync(
    join(dir.path, 'workflow.json'),
    JSON.stringify({
      id: 'errors',
      nodes: [{ id: 'big', dir: 'big' }],
      links: [],
      services: [{ id: 'svc', image: IMAGE, entrypoint: 'sleep 300' }],
    }),
  );
  mkdirSync(join(dir.path, 'big'));
  writeFileSync(
    join(dir.path, 'big', '.node.json'),
    JSON.stringify({ id: 'big', image: IMAGE, entrypoint: 'ls -l' }),
  );
  for (const [name, content] of Object.entries(file)) writeFileSync(join(dir.path, 'big', name), content);
  return dir.path;
}

/** Every run light-run has a record of. */
async function runsOf(target: LightRunProc): Promise<unknown[]> {
  return ((await (await target.api('/runs?limit=1000')).json()) as { runs: unknown[] }).runs;
}

describe('errors reach the caller: unreachable light-run and too-large nodes', () => {
  before(async () => {
    lr = track(scope, await startLightRun());
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    for (const d of dirs) d[Symbol.dispose]();
    await assertNoLeaksOf(scope);
  });

  test('`light run` with LIGHT_RUN_URL at a closed port exits 1 and names the URL on stderr', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const out = await runLight(['run', folderWith({ 'a.txt': 'hi' })], {
      env: { LIGHT_RUN_URL: url, LIGHT_RUN_TOKEN: 't', NO_COLOR: '1' },
    });
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, new RegExp(`cannot reach light-run at ${url} \\(connection refused\\)`));
    assert.doesNotMatch(out.stderr, /could not run|usage/i);
  });

  test('`light remote run` against a closed port exits 1 and names the light serve URL', async () => {
    const config = tempDir('lp-errors-config');
    dirs.push(config);
    scope.tempPaths.add(config.path);
    const url = `http://127.0.0.1:${await closedPort()}`;
    const env = { XDG_CONFIG_HOME: config.path, NO_COLOR: '1' };
    assert.equal((await runLight(['remote', 'add', 'gone', url], { env })).code, 0);
    const out = await runLight(['remote', 'run', 'hello', '--remote', 'gone'], { env });
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, new RegExp(`cannot reach light serve at ${url}`));
  });

  test('`light run` of a node whose files exceed the body limit runs them through a streamed upload, deleted after', async () => {
    // 11 MiB of text and an 8 MiB binary (10.7 MiB as base64): over light-run's 10 MiB body limit.
    const folder = folderWith({
      'big.txt': 'x'.repeat(11 * 1024 * 1024),
      'blob.bin': randomBytes(8 * 1024 * 1024),
    });
    const out = await runLight(['run', folder], {
      env: { LIGHT_RUN_URL: lr.url, LIGHT_RUN_TOKEN: lr.token, NO_COLOR: '1' },
    });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /11534336 .*big\.txt/);
    assert.match(out.stderr, /8388608 .*blob\.bin/);
    assert.deepEqual(
      readdirSync(join(lr.dataDir, 'uploads')),
      [],
      'the upload was deleted when the run ended',
    );
  });

  test('a 413 from a light-run with a lower --body-limit fails the node with NODE_FILES_TOO_LARGE naming it', async () => {
    const small = track(scope, await startLightRun({ args: ['--body-limit', '1mb'] }));
    try {
      const result = await executeWorkflow(
        workflowDefinition.parse({
          id: 'limit',
          nodes: [{ id: 'heavy', image: IMAGE, files: { 'data.txt': 'y'.repeat(2 * 1024 * 1024) } }],
        }),
        {},
        { runner: new LightRunClient({ url: small.url, token: small.token }) },
      );
      assert.equal(result.success, false);
      assert.equal(result.error?.nodeId, 'heavy');
      assert.equal(result.results.heavy?.error?.code, 'NODE_FILES_TOO_LARGE');
      assert.match(
        result.results.heavy?.error?.message ?? '',
        new RegExp(
          `^node "heavy" was refused: its request of 2\\.0 MiB .* body limit of light-run at ${small.url}`,
        ),
      );
      assert.deepEqual(await runsOf(small), []);
    } finally {
      await small[Symbol.asyncDispose]();
    }
  });
});
