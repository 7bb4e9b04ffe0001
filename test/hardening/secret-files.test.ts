import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runLight } from '../../packages/process/test/support/light-bin.ts';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { type LightServeProc, startLightServe } from '../support/light-serve-proc.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

// A user keeps a `.env` with real secrets beside a node's code, as many tools invite them
// to. Running, packing or pushing the workflow must not ship it anywhere.

const SECRET = 's3cr3t-from-dotenv';
const scope = leakScope();
const root = tempDir('secret-files');
scope.tempPaths.add(root.path);
const wf = join(root.path, 'wf');
let lr: LightRunProc;

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Files shipped into the container, and what must stay out of it. */
const SHIPPED = ['./.env.example', './keep.txt'];
const LEFT_OUT = ['.env', '.env.local', 'config/.env.prod', 'debug.log', 'private/key.pem', '.lightignore'];

describe('.env files and .lightignore patterns keep files out of runs, packs and pushes', () => {
  before(async () => {
    write(
      join(wf, 'workflow.json'),
      JSON.stringify({ id: 'secrets', nodes: [{ id: 'lister', dir: 'lister' }] }),
    );
    write(join(wf, '.lightignore'), '# the workflow folder\n*.log\n');
    const node = join(wf, 'lister');
    write(
      join(node, '.node.json'),
      JSON.stringify({
        id: 'lister',
        image: 'localhost/light-sh',
        timeout: 60_000,
        // What the container sees: `ls -a` of the workdir and every file below it.
        entrypoint: `ls -a; printf '{"files":"%s"}' "$(find . -type f ! -name .lp-output.json | sort | tr '\\n' ' ')" > .lp-output.json`,
      }),
    );
    write(join(node, '.env'), `AWS_SECRET_ACCESS_KEY=${SECRET}\n`);
    write(join(node, '.env.local'), `TOKEN=${SECRET}\n`);
    write(join(node, 'config', '.env.prod'), `DB_PASSWORD=${SECRET}\n`);
    write(join(node, '.env.example'), 'AWS_SECRET_ACCESS_KEY=change-me\n');
    write(join(node, 'debug.log'), `${SECRET}\n`);
    write(join(node, 'private', 'key.pem'), `${SECRET}\n`);
    write(join(node, 'keep.txt'), 'shipped\n');
    write(join(node, '.lightignore'), '# the node folder\nprivate/\n!.env.example\n');
    lr = track(scope, await startLightRun());
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    root[Symbol.dispose]();
    await assertNoLeaksOf(scope);
  });

  test('light run: the container sees neither .env, .env.* nor ignored files (ls -a), only the rest', async () => {
    const res = await runLight(['run', wf, '--json'], {
      env: { LIGHT_RUN_URL: lr.url, LIGHT_RUN_TOKEN: lr.token },
    });
    assert.equal(res.code, 0, res.stderr);
    const result = JSON.parse(res.stdout) as {
      results: { lister: { output: { files: string }; logs: string[] } };
    };
    const seen = result.results.lister.output.files.trim().split(' ').sort();
    assert.deepEqual(seen, SHIPPED);
    const listing = JSON.stringify(result.results.lister.logs);
    assert.match(listing, /"keep\.txt"/, 'ls -a printed the workdir');
    assert.doesNotMatch(listing, /"\.env"|\.env\.local|private|debug\.log/);
    assert.ok(!res.stdout.includes(SECRET) && !res.stderr.includes(SECRET));
  });

  test('light pack: the packed file holds .env.example and keep.txt, and no secret', async () => {
    const packed = join(root.path, 'packed.json');
    const res = await runLight(['pack', wf, '-o', packed, '--keep']);
    assert.equal(res.code, 0, res.stderr);
    const text = readFileSync(packed, 'utf8');
    assert.ok(!text.includes(SECRET), 'no secret in the packed file');
    const files = Object.keys(
      (JSON.parse(text) as { nodes: { files: Record<string, unknown> }[] }).nodes[0]?.files ?? {},
    ).sort();
    assert.deepEqual(files, ['.env.example', 'keep.txt']);
  });

  test('light push: the server receives and stores no .env and no ignored file', async () => {
    await using served = tempDir('secret-files-served');
    await using config = tempDir('secret-files-config');
    scope.tempPaths.add(served.path);
    scope.tempPaths.add(config.path);
    await using serve: LightServeProc = await startLightServe({ dir: served.path, lightRun: lr });
    scope.pids.add(serve.pid);
    const env = { XDG_CONFIG_HOME: config.path };
    const added = await runLight(['remote', 'add', 'local', serve.url], { env });
    assert.equal(added.code, 0, added.stderr);
    const pushed = await runLight(['push', wf], { env });
    assert.equal(pushed.code, 0, pushed.stderr);
    const full = await (await fetch(`${serve.url}/api/workflows/secrets?full=1`)).text();
    assert.ok(!full.includes(SECRET), 'the server got no secret');
    const stored = readdirSync(join(served.path, 'secrets'), { recursive: true, encoding: 'utf8' });
    for (const name of LEFT_OUT)
      assert.ok(!stored.some((p) => p.endsWith(name)), `${name} stored: ${stored.join(', ')}`);
    assert.ok(existsSync(join(served.path, 'secrets', 'lister', 'keep.txt')));
  });

  test('light check warns about each .env file (exit 0), and says when one is shipped', async () => {
    const res = await runLight(['check', wf, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(res.stdout) as { ok: boolean; warnings: string[] };
    assert.equal(report.ok, true);
    const notShipped = report.warnings.filter((w) => /is not shipped/.test(w));
    assert.deepEqual(
      notShipped.map((w) => w.slice(0, w.indexOf(':'))).sort(),
      [
        join(wf, 'lister', '.env'),
        join(wf, 'lister', '.env.local'),
        join(wf, 'lister', 'config', '.env.prod'),
      ].sort(),
    );
    assert.ok(
      report.warnings.some((w) => w.startsWith(join(wf, 'lister', '.env.example')) && /is shipped/.test(w)),
    );
    const human = await runLight(['check', wf]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /warning .*lister\/\.env: an environment file in a node folder/);
  });
});
