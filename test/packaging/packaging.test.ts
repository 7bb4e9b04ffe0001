// What a user installs must work: the three packages are packed with `npm pack`, installed
// from the tarballs into a fresh project (no workspace link), and used from there the way
// the READMEs say, through `npx`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ownerOf } from '../support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, reapScope } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';
import type { PackedPackage } from './consumer-lock.ts';
import {
  allProcesses,
  binPid,
  EXAMPLES,
  installInto,
  type ProcessArgv,
  packAll,
  run,
  type Started,
  signalGroup,
  start,
  TSC,
  userEnv,
  waitForOutput,
} from './installed.ts';

const scope = leakScope();
const work = tempDir('packaging');
scope.tempPaths.add(work.path);
const project = join(work.path, 'project');
const started: Started[] = [];
let packed: PackedPackage[] = [];
let installMs = 0;

/** `npx <args>` in the project, tracked so that `after` can stop what a failed test left. */
function npx(args: string[], env?: NodeJS.ProcessEnv): Started {
  const s = start('npx', args, project, env);
  started.push(s);
  scope.pids.add(s.child.pid as number);
  return s;
}

/** The light-run processes of this project: their argv, and their data dirs added to the leak scope. */
function lightRunsOfProject(): ProcessArgv[] {
  const mine = allProcesses().filter((p) =>
    p.argv.some((a) => a.startsWith(project) && /light-run(\.js)?$/.test(a)),
  );
  for (const p of mine) {
    scope.pids.add(p.pid);
    const at = p.argv.indexOf('--data-dir');
    const dataDir = at >= 0 ? p.argv[at + 1] : undefined;
    if (dataDir) {
      scope.owners.add(ownerOf(dataDir));
      scope.tempPaths.add(dataDir);
    }
  }
  return mine;
}

/** Asserts that no light-run of the project has a token in its argv and no process has `secret` in its argv. */
function assertNoSecretInArgv(secret?: string): void {
  const lightRuns = lightRunsOfProject();
  assert.ok(lightRuns.length > 0, 'a light-run of the project is running while this is checked');
  for (const p of lightRuns)
    assert.ok(!p.argv.includes('--token'), `light-run ${p.pid} has --token in its argv: ${p.argv.join(' ')}`);
  if (secret !== undefined) {
    const holders = allProcesses().filter((p) => p.argv.some((a) => a.includes(secret)));
    assert.deepEqual(
      holders.map((p) => `${p.pid}: ${p.argv.join(' ')}`),
      [],
      'LP_API_KEY in a process argv',
    );
  }
}

/**
 * Stops what npx runs the way a service manager would: SIGTERM to the bin's own process
 * (npx then exits with the bin's exit code), or to the whole group when the bin is not
 * found; SIGKILL to the group after 30 s.
 */
async function stop(s: Started, bin?: string): Promise<void> {
  const pid = bin === undefined ? undefined : binPid(s, bin);
  if (pid === undefined) signalGroup(s.child, 'SIGTERM');
  else process.kill(pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(s.child, 'SIGKILL'), 30_000);
  await s.done;
  clearTimeout(timer);
}

describe('the packed packages installed from their tarballs into a fresh project', () => {
  before(async () => {
    const tarballs = join(work.path, 'tarballs');
    mkdirSync(tarballs);
    mkdirSync(project);
    packed = await packAll(tarballs);
    const begun = Date.now();
    const installed = await installInto(project, packed);
    installMs = Date.now() - begun;
    assert.equal(installed.code, 0, `npm ci of the tarballs failed:\n${installed.stderr}`);
    cpSync(join(EXAMPLES, 'hello'), join(project, 'hello'), { recursive: true });
  });

  after(async () => {
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) await stop(s);
    try {
      work[Symbol.dispose]();
      await assertNoLeaksOf(scope, 30_000);
    } finally {
      await reapScope(scope);
    }
  });

  test('npm ci installs the three tarballs offline, better-sqlite3 compiled from source', (t) => {
    t.diagnostic(`npm ci took ${(installMs / 1000).toFixed(1)} s`);
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string; link?: boolean }>;
    };
    for (const p of packed) {
      const entry = lock.packages[`node_modules/${p.manifest.name}`];
      assert.equal(entry?.resolved, `file:${p.tarball}`);
      assert.notEqual(entry?.link, true);
      const installed = join(project, 'node_modules', p.manifest.name);
      assert.ok(lstatSync(installed).isDirectory(), `${installed} is a folder, not a link`);
    }
    const addon = join(project, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    assert.ok(existsSync(addon), `${addon} was built`);
  });

  test('npx light --version prints the version of the packed light-process', async () => {
    const out = await run('npx', ['light', '--version'], project);
    const version = packed.find((p) => p.manifest.name === 'light-process')?.manifest.version;
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), version);
  });

  test('npx light run runs the hello example all-in-one, its input read from a file path', async () => {
    writeFileSync(join(project, 'input.json'), JSON.stringify({ name: 'Tarball' }));
    const out = await run('npx', ['light', 'run', 'hello', '--input', 'input.json', '--json'], project);
    assert.equal(out.code, 0, out.stderr);
    const result = JSON.parse(out.stdout) as {
      success: boolean;
      results: Record<string, { output: unknown }>;
    };
    assert.equal(result.success, true);
    assert.deepEqual(result.results.hello?.output, { greeting: 'Hello, Tarball!' });
    assert.match(out.stderr, /light-run: http:\/\/127\.0\.0\.1:\d+ \(all-in-one\)/);
  });

  test('while npx light run works all-in-one, its light-run has no token in its argv', async () => {
    const wf = join(project, 'waiter');
    mkdirSync(join(wf, 'wait'), { recursive: true });
    writeFileSync(
      join(wf, 'workflow.json'),
      JSON.stringify({ id: 'waiter', nodes: [{ id: 'wait', dir: 'wait' }] }),
    );
    writeFileSync(
      join(wf, 'wait', '.node.json'),
      JSON.stringify({ id: 'wait', image: 'localhost/light-sh', entrypoint: 'echo WAITING; sleep 4' }),
    );
    const light = npx(['light', 'run', 'waiter']);
    await waitForOutput(light, 'stderr', /\[wait\] WAITING/);
    assertNoSecretInArgv();
    const end = await light.done;
    assert.equal(end.code, 0, end.stderr);
  });

  test('npx light serve answers /health, the UI, the API with LP_API_KEY, and runs a workflow to succeeded', async () => {
    const key = `lp-key-${randomBytes(12).toString('hex')}`;
    const workflows = join(project, 'workflows');
    cpSync(join(EXAMPLES, 'hello'), join(workflows, 'hello'), { recursive: true });
    const serve = npx(['light', 'serve', 'workflows', '--port', '0'], userEnv({ LP_API_KEY: key }));
    const [, base] = await waitForOutput(serve, 'stdout', /^light serve: (http:\/\/127\.0\.0\.1:\d+)/m);
    const auth = { authorization: `Bearer ${key}` };

    assert.equal((await fetch(`${base}/health`)).status, 200);
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<html/i);
    assert.equal((await fetch(`${base}/api/workflows`)).status, 401);
    const list = await fetch(`${base}/api/workflows`, { headers: auth });
    assert.equal(list.status, 200);
    const { workflows: ids } = (await list.json()) as { workflows: { id: string }[] };
    assert.deepEqual(
      ids.map((w) => w.id),
      ['hello'],
    );

    assertNoSecretInArgv(key);

    const accepted = await fetch(`${base}/api/workflows/hello/run?async=1`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'API' }),
    });
    assert.equal(accepted.status, 202);
    const { runId } = (await accepted.json()) as { runId: string };
    type Run = { status: string; nodes: { nodeId: string; output: unknown }[] };
    let record: Run | undefined;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      record = (await (await fetch(`${base}/api/runs/${runId}`, { headers: auth })).json()) as Run;
      if (record.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(record?.status, 'succeeded', JSON.stringify(record));
    assert.deepEqual(record?.nodes.find((n) => n.nodeId === 'hello')?.output, { greeting: 'Hello, API!' });

    await stop(serve, 'light');
    const end = await serve.done;
    assert.equal(end.code, 0, end.stderr);
    assert.ok(!end.stdout.includes(key) && !end.stderr.includes(key), 'the key is never printed');
  });

  test('npx light-run serve answers GET /health and stops on SIGTERM', async () => {
    using data = tempDir('packaging-run');
    scope.owners.add(ownerOf(data.path));
    const token = randomBytes(16).toString('hex');
    const serve = npx(
      ['light-run', 'serve', '--port', '0', '--data-dir', data.path],
      userEnv({ LIGHT_RUN_TOKEN: token }),
    );
    const [, base] = await waitForOutput(serve, 'stdout', /light-run listening on (http:\/\/\S+)/);
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
    assert.equal((await fetch(`${base}/runs`)).status, 401);
    assert.equal(
      (await fetch(`${base}/runs`, { headers: { authorization: `Bearer ${token}` } })).status,
      200,
    );
    await stop(serve, 'light-run');
    assert.equal((await serve.done).code, 0, serve.stderr());
  });

  test('a TypeScript consumer type-checks its imports of light-process with skipLibCheck false', async () => {
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
      },
      include: ['consumer.ts', 'misuse.ts'],
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    writeFileSync(
      join(project, 'consumer.ts'),
      [
        "import { LightRunClient, Workflow } from 'light-process';",
        "const client: LightRunClient = new LightRunClient({ url: 'http://127.0.0.1:3001' });",
        "const workflow: Workflow = new Workflow({ id: 'typed' });",
        'export const both: [LightRunClient, Workflow] = [client, workflow];',
        '',
      ].join('\n'),
    );
    // The types are real, not `any`: a wrong field type must be the one error tsc reports.
    writeFileSync(
      join(project, 'misuse.ts'),
      "import { Workflow } from 'light-process';\nexport const bad = new Workflow({ id: 42 });\n",
    );
    const out = await run(process.execPath, [TSC, '-p', 'tsconfig.json', '--pretty', 'false'], project);
    const errors = out.stdout.split('\n').filter((line) => line.includes('error TS'));
    assert.equal(errors.length, 1, `tsc should report only the misuse:\n${out.stdout}${out.stderr}`);
    assert.match(
      errors[0] ?? '',
      /^misuse\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  });
});
