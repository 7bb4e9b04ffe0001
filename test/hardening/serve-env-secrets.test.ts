import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LightRunClient } from '../../packages/process/src/adapters/light-run/light-run-client.ts';
import type { WorkflowDefinition } from '../../packages/process/src/definition/definitions.ts';
import { LightProcessError } from '../../packages/process/src/definition/errors.ts';
import { saveWorkflowToFolder } from '../../packages/process/src/files/save-workflow.ts';
import { Workflow } from '../../packages/process/src/sdk/workflow.ts';
import { runLight } from '../../packages/process/test/support/light-bin.ts';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { type LightServeProc, startLightServe } from '../support/light-serve-proc.ts';
import type { ErrorBodyJson } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

// A workflow author who may push workflows to a `light serve` tries to read the server's own
// secrets through node `env` names. Only what the operator allowed may reach a container.

const KEY = 'serve-api-key-0d5e';
const AWS = 'aws-secret-9f1c';
const scope = leakScope();
const dir = tempDir('serve-env');
scope.tempPaths.add(dir.path);
let lr: LightRunProc;
let serve: LightServeProc;

/** One node that prints its whole environment, then writes the named variables as its output. */
function envWorkflow(id: string, names: string[]): WorkflowDefinition {
  const pairs = names.map((n) => `"${n}":"%s"`).join(',');
  const values = names.map((n) => `"$${n}"`).join(' ');
  return {
    id,
    nodes: [
      {
        id: 'reader',
        image: 'localhost/light-sh',
        env: names,
        entrypoint: `env; printf '{${pairs}}' ${values} > .lp-output.json`,
        timeout: 60_000,
      },
    ],
    links: [],
    networkDefs: [],
    services: [],
  };
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${serve.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers },
  });

async function lightRunCount(): Promise<number> {
  return ((await (await lr.api('/runs')).json()) as { runs: unknown[] }).runs.length;
}

describe('light serve resolves node env names only from its allow-list', () => {
  before(async () => {
    // A workflow already in the served folder that names a secret the operator did not allow.
    await saveWorkflowToFolder(envWorkflow('on-disk', ['AWS_SECRET_ACCESS_KEY']), `${dir.path}/on-disk`);
    lr = track(scope, await startLightRun());
    serve = await startLightServe({
      dir: dir.path,
      lightRun: lr,
      args: ['--pass-env', 'ALLOWED_VAR,LP_API_KEY'],
      env: {
        LP_API_KEY: KEY,
        AWS_SECRET_ACCESS_KEY: AWS,
        ALLOWED_VAR: 'allowed-value',
        LP_ENV_GREETING: 'hello from the operator',
      },
    });
    scope.pids.add(serve.pid);
  });
  after(async () => {
    await serve?.stop();
    await lr?.[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
    await assertNoLeaksOf(scope);
  });

  test('listing LP_API_KEY in --pass-env is dropped with a warning, and the on-disk workflow is flagged', () => {
    assert.match(serve.stderr(), /--pass-env: LP_API_KEY is never passed to a workflow/);
    assert.match(
      serve.stderr(),
      /node "reader" needs AWS_SECRET_ACCESS_KEY, which is not on this server's allow-list/,
    );
  });

  test('pushing a workflow whose node names LP_API_KEY, LIGHT_RUN_TOKEN or AWS_SECRET_ACCESS_KEY answers 400 naming node and variable', async () => {
    for (const name of ['LP_API_KEY', 'LIGHT_RUN_TOKEN', 'AWS_SECRET_ACCESS_KEY']) {
      const res = await api('/api/workflows?persist=1', {
        method: 'POST',
        body: JSON.stringify(envWorkflow(`steal-${name.toLowerCase().replaceAll('_', '-')}`, [name])),
      });
      const body = (await res.json()) as ErrorBodyJson;
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.error.code, 'ENV_MISSING');
      assert.match(
        body.error.message,
        new RegExp(`node "reader" needs ${name}, which is (never passed|not on)`),
      );
      assert.doesNotMatch(body.error.message, new RegExp(`${KEY}|${AWS}|${lr.token}`));
    }
    const list = (await (await api('/api/workflows')).json()) as { workflows: { id: string }[] };
    assert.deepEqual(
      list.workflows.map((w) => w.id),
      ['on-disk'],
    );
  });

  test('running a served workflow that names a secret answers 400 before any run or container', async () => {
    const res = await api('/api/workflows/on-disk/run', { method: 'POST', body: '{}' });
    const body = (await res.json()) as ErrorBodyJson;
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(body.error.code, 'ENV_MISSING');
    assert.match(
      body.error.message,
      /node "reader" needs AWS_SECRET_ACCESS_KEY, which is not on this server's allow-list/,
    );
    assert.equal(((await (await api('/api/runs')).json()) as { total: number }).total, 0);
    assert.equal(await lightRunCount(), 0);
  });

  test('an allowed name and an LP_ENV_ name reach the container, and nothing else of the server does', async () => {
    const wf = envWorkflow('allowed', ['ALLOWED_VAR', 'GREETING']);
    const pushed = await api('/api/workflows', { method: 'POST', body: JSON.stringify(wf) });
    assert.equal(pushed.status, 201, await pushed.text());
    const res = await api('/api/workflows/allowed/run', { method: 'POST', body: '{}' });
    const run = (await res.json()) as {
      status: string;
      nodes: { nodeId: string; output: Record<string, string>; logs: { line: string }[] }[];
    };
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    const reader = run.nodes.find((n) => n.nodeId === 'reader');
    assert.deepEqual(reader?.output, { ALLOWED_VAR: 'allowed-value', GREETING: 'hello from the operator' });
    const printed = (reader?.logs ?? []).map((l) => l.line).join('\n');
    assert.match(printed, /ALLOWED_VAR=allowed-value/);
    for (const secret of [KEY, AWS, lr.token]) assert.ok(!printed.includes(secret), `${secret} leaked`);
  });
});

describe('the CLI and the SDK pass the user environment, but never the keys', () => {
  const scope2 = leakScope();
  const dir2 = tempDir('cli-env');
  scope2.tempPaths.add(dir2.path);
  let lr2: LightRunProc;

  before(async () => {
    lr2 = track(scope2, await startLightRun());
  });
  after(async () => {
    await lr2?.[Symbol.asyncDispose]();
    dir2[Symbol.dispose]();
    await assertNoLeaksOf(scope2);
  });

  test('light run: a node naming LIGHT_RUN_TOKEN exits 2 naming node and variable; a user variable is passed', async () => {
    await saveWorkflowToFolder(envWorkflow('token', ['LIGHT_RUN_TOKEN']), `${dir2.path}/token`);
    await saveWorkflowToFolder(envWorkflow('mine', ['MY_OWN_VAR']), `${dir2.path}/mine`);
    const env = { LIGHT_RUN_URL: lr2.url, LIGHT_RUN_TOKEN: lr2.token, MY_OWN_VAR: 'mine-value' };
    const refused = await runLight(['run', `${dir2.path}/token`], { env });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /node "reader" needs LIGHT_RUN_TOKEN, which is never passed to a workflow/);
    assert.equal(
      await (await lr2.api('/runs')).json().then((b) => (b as { runs: unknown[] }).runs.length),
      0,
    );
    const ok = await runLight(['run', `${dir2.path}/mine`, '--json'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /mine-value/);
  });

  test('SDK execute() reads env names from process.env by default, but never LIGHT_RUN_TOKEN', async () => {
    const runner = new LightRunClient({ url: lr2.url, token: lr2.token });
    const saved = process.env.LIGHT_RUN_TOKEN;
    process.env.LP_TEST_SDK_VAR = 'sdk-value';
    process.env.LIGHT_RUN_TOKEN = lr2.token;
    try {
      const result = await Workflow.from(envWorkflow('sdk', ['LP_TEST_SDK_VAR'])).execute({}, { runner });
      assert.equal(result.success, true, JSON.stringify(result.error));
      assert.deepEqual(result.results.reader?.output, { LP_TEST_SDK_VAR: 'sdk-value' });
      await assert.rejects(
        Workflow.from(envWorkflow('sdk-token', ['LIGHT_RUN_TOKEN'])).execute({}, { runner }),
        (error: unknown) => {
          assert.ok(error instanceof LightProcessError);
          assert.equal(error.code, 'ENV_MISSING');
          assert.equal(error.nodeId, 'reader');
          assert.match(error.message, /needs LIGHT_RUN_TOKEN, which is never passed to a workflow/);
          return true;
        },
      );
    } finally {
      delete process.env.LP_TEST_SDK_VAR;
      if (saved === undefined) delete process.env.LIGHT_RUN_TOKEN;
      else process.env.LIGHT_RUN_TOKEN = saved;
    }
  });
});
