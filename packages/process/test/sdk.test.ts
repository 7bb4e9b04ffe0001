import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import {
  LightRunClient,
  LightRunHttpError,
  LightRunUnreachableError,
  type LocalLightRun,
  loadWorkflowFromFolder,
  Node,
  type NodeLogLine,
  startLocalLightRun,
  Workflow,
} from '../src/index.ts';

const POLYGLOT = new URL('../../../examples/polyglot', import.meta.url).pathname;

let local: LocalLightRun;

describe('SDK (light-process package entry, real light-run)', () => {
  before(async () => {
    local = await startLocalLightRun();
  });
  after(async () => {
    await local?.stop();
    await assertNoLeaks();
  });

  test('a Workflow built in code runs with callbacks through a LightRunClient({url, token})', async () => {
    const runner = new LightRunClient({ url: local.url, token: local.token });
    const wf = new Workflow({ id: 'sdk', name: 'SDK' })
      .addNode(
        new Node({ id: 'greet', image: 'localhost/light-node', entrypoint: 'node index.js' }).withFile(
          'index.js',
          "const fs = require('node:fs'); const input = JSON.parse(fs.readFileSync(0, 'utf8') || '{}'); console.log('hi ' + input.name); fs.writeFileSync('.lp-output.json', JSON.stringify({ greeting: 'Hello, ' + input.name }));",
        ),
      )
      .addNode(
        new Node({
          id: 'shout',
          image: 'localhost/light-python',
          entrypoint:
            "python3 -c \"import json,sys; d=json.load(sys.stdin); json.dump({'loud': d['greeting'].upper()}, open('.lp-output.json','w'))\"",
        }),
      )
      .link('greet', 'shout');
    const events: string[] = [];
    const logs: NodeLogLine[] = [];
    const result = await wf.execute(
      { name: 'Ada' },
      {
        runner,
        timeout: 60_000,
        onNodeStart: ({ nodeId }) => events.push(`start ${nodeId}`),
        onNodeEnd: ({ nodeId, result: r }) => events.push(`end ${nodeId} ${r.status}`),
        onLog: (line) => logs.push(line),
      },
    );
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(result.results.shout?.output, { loud: 'HELLO, ADA' });
    assert.deepEqual(events, ['start greet', 'end greet succeeded', 'start shout', 'end shout succeeded']);
    assert.deepEqual(
      logs.map((l) => [l.nodeId, l.stream, l.line]),
      [['greet', 'stdout', 'hi Ada']],
    );
  });

  test('loadWorkflowFromFolder + startLocalLightRun run the polyglot example end to end', async () => {
    const definition = await loadWorkflowFromFolder(POLYGLOT);
    const result = await Workflow.from(definition).execute({ text: 'x y x' }, { runner: local.client });
    assert.equal(result.success, true, result.error?.message);
    assert.equal(result.results.report?.output.report, 'Word report: 3 words; top: 1. x (2), 2. y (1)');
    assert.ok((result.results.analyze?.duration ?? 0) > 0);
  });

  test('the client names the URL when light-run is unreachable, and carries status and code of HTTP errors', async () => {
    await assert.rejects(new LightRunClient({ url: 'http://127.0.0.1:1234' }).health(), (error: unknown) => {
      assert.ok(error instanceof LightRunUnreachableError);
      assert.equal(error.message, 'cannot reach light-run at http://127.0.0.1:1234 (connection refused)');
      return true;
    });
    await assert.rejects(
      new LightRunClient({ url: local.url, token: 'wrong' }).getRun('x'),
      (error: unknown) => {
        assert.ok(error instanceof LightRunHttpError);
        assert.equal(error.status, 401);
        assert.match(error.message, new RegExp(`^light-run ${local.url}/runs/x answered 401 \\w+: `));
        return true;
      },
    );
    await assert.rejects(local.client.getRun('no-such-run'), (error: unknown) => {
      assert.ok(error instanceof LightRunHttpError);
      assert.equal(error.status, 404);
      return true;
    });
  });

  test('the client creates, finds and deletes a network, and cleans up by prefix', async () => {
    const client = local.client;
    assert.equal(await client.createNetwork('lp-sdktest-a'), true);
    assert.equal(await client.createNetwork('lp-sdktest-a'), false, 'idempotent');
    assert.equal(await client.networkExists('lp-sdktest-a'), true);
    await client.deleteNetwork('lp-sdktest-a');
    assert.equal(await client.networkExists('lp-sdktest-a'), false);
    await client.deleteNetwork('lp-sdktest-a');
    await client.createNetwork('lp-sdktest-b');
    assert.deepEqual(await client.cleanupNetworks({ prefix: 'lp-sdktest-' }), ['lp-sdktest-b']);
  });
});
