import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ownerOf } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, reapScope } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import { createLightServer, type LightServer } from '../src/faces/server/app.ts';
import { loadWorkflow } from '../src/files/load-workflow.ts';
import { greetWorkflow, writeWorkflows } from './serve-fixtures.ts';
import { assertLightBuilt, type LightResult, runLight } from './support/light-bin.ts';

const KEY = 'remote-test-key-123';
/** Runs the built `light` bin with this process's environment as it is at the call. */
function light(...args: string[]): Promise<LightResult> {
  return runLight(args);
}

describe('light remote, push and pull against a real light serve', () => {
  const served = tempDir('serve-remote-served');
  const local = tempDir('serve-remote-local');
  const config = tempDir('serve-remote-config');
  const runData = tempDir('serve-remote-run');
  // What this file made: its light-run (owner label, data dir) and its folders.
  const scope = leakScope();
  for (const d of [served, local, config, runData]) scope.tempPaths.add(d.path);
  scope.owners.add(ownerOf(runData.path));
  const saved = { xdg: process.env.XDG_CONFIG_HOME, key: process.env.LP_TEST_REMOTE_KEY };
  let lightRun: LocalLightRun;
  let server: LightServer;
  let base: string;

  before(async () => {
    assertLightBuilt();
    await writeWorkflows(local.path, [greetWorkflow]);
    process.env.XDG_CONFIG_HOME = config.path;
    process.env.LP_TEST_REMOTE_KEY = KEY;
    lightRun = await startLocalLightRun({ dataDir: runData.path });
    server = await createLightServer({ dir: served.path, runner: lightRun.client, apiKey: KEY });
    base = await server.listen();
  });

  after(async () => {
    process.env.XDG_CONFIG_HOME = saved.xdg;
    process.env.LP_TEST_REMOTE_KEY = saved.key;
    if (saved.xdg === undefined) delete process.env.XDG_CONFIG_HOME;
    if (saved.key === undefined) delete process.env.LP_TEST_REMOTE_KEY;
    await server?.close();
    await lightRun?.stop();
    for (const dir of [served, local, config, runData]) dir[Symbol.dispose]();
    try {
      await assertNoLeaksOf(scope);
    } finally {
      await reapScope(scope);
    }
  });

  const remotesFile = () => join(config.path, 'light-process', 'remotes.json');

  test('remote add stores a profile in the config dir with mode 0600, naming the key variable only', async () => {
    const out = await light('remote', 'add', 'prod', base, '--api-key-env', 'LP_TEST_REMOTE_KEY');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(statSync(remotesFile()).mode & 0o777, 0o600);
    const text = readFileSync(remotesFile(), 'utf8');
    assert.ok(!text.includes(KEY));
    assert.equal(JSON.parse(text).current, 'prod');
  });

  test('remote add --api-key-stdin stores the key; remote ls never prints it', async () => {
    const added = await runLight(['remote', 'add', 'stdin-key', base, '--api-key-stdin'], {
      input: `${KEY}\n`,
      env: { XDG_CONFIG_HOME: config.path },
    });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(JSON.parse(readFileSync(remotesFile(), 'utf8')).remotes['stdin-key'].apiKey, KEY);
    assert.equal(statSync(remotesFile()).mode & 0o777, 0o600);
  });

  test('remote ls shows every remote and whether a key is set, never the key', async () => {
    const out = await light('remote', 'ls');
    assert.equal(out.code, 0);
    assert.ok(!out.stdout.includes(KEY) && !out.stderr.includes(KEY));
    assert.match(out.stdout, /\* prod .* key: from \$LP_TEST_REMOTE_KEY/);
    assert.match(out.stdout, /stdin-key .* key: set/);
  });

  test('push registers a local workflow folder on the remote, then replaces it', async () => {
    const first = await light('push', join(local.path, 'greet'));
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /created greet on prod/);
    const again = await light('push', join(local.path, 'greet'), '--remote', 'stdin-key');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /replaced greet on stdin-key/);
    const listed = (await (
      await fetch(`${base}/api/workflows`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as {
      workflows: { id: string; persisted: boolean }[];
    };
    assert.deepEqual(listed.workflows, [expectedSummary()]);
  });

  test('remote run runs the workflow on the remote and prints the finished run', async () => {
    const out = await light('remote', 'run', 'greet', '--input', '{"name":"Ada"}', '--json');
    assert.equal(out.code, 0, out.stderr);
    const run = JSON.parse(out.stdout) as { status: string; nodes: { nodeId: string; output: unknown }[] };
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.nodes.find((n) => n.nodeId === 'hello')?.output, { greeting: 'hello Ada' });
    assert.match(out.stderr, /hello \| hello Ada/);
  });

  test('pull saves the remote workflow as a folder', async () => {
    const target = join(local.path, 'pulled');
    const out = await light('pull', 'greet', '-o', target);
    assert.equal(out.code, 0, out.stderr);
    const pulled = await loadWorkflow(target);
    assert.equal(pulled.id, 'greet');
    assert.deepEqual(
      pulled.nodes.map((n) => [n.id, n.entrypoint]),
      greetWorkflow.nodes.map((n) => [n.id, n.entrypoint]),
    );
    assert.equal(pulled.nodes[0]?.files?.['hello.sh'], greetWorkflow.nodes[0]?.files?.['hello.sh']);
  });

  test('a wrong key, an unknown workflow and an unknown remote exit 2 with a message', async () => {
    process.env.LP_TEST_REMOTE_KEY = 'wrong';
    const denied = await light('remote', 'run', 'greet');
    process.env.LP_TEST_REMOTE_KEY = KEY;
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /401 UNAUTHORIZED/);
    const missing = await light('pull', 'nope', '-o', join(local.path, 'nope'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /404 WORKFLOW_NOT_FOUND/);
    const unknown = await light('remote', 'run', 'greet', '--remote', 'ghost');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no remote named 'ghost'/);
  });

  test('remote use and rm switch and remove profiles', async () => {
    assert.equal((await light('remote', 'use', 'stdin-key')).code, 0);
    assert.equal(JSON.parse(readFileSync(remotesFile(), 'utf8')).current, 'stdin-key');
    assert.equal((await light('remote', 'rm', 'stdin-key')).code, 0);
    const file = JSON.parse(readFileSync(remotesFile(), 'utf8'));
    assert.equal(file.current, undefined);
    assert.deepEqual(Object.keys(file.remotes), ['prod']);
    assert.equal((await light('remote', 'use', 'ghost')).code, 2);
  });
});

function expectedSummary() {
  return {
    id: 'greet',
    name: 'Greet',
    description: 'Says hello, then shouts it',
    nodeCount: 2,
    persisted: true,
  };
}
