import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import type { LightRunClient } from '../src/adapters/light-run/light-run-client.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import type { WorkflowDefinition } from '../src/definition/definitions.ts';
import type { RunBody } from '../src/definition/wire-types.ts';
import { executeWorkflow } from '../src/engine/execute.ts';
import type { NetworkOptions, RunStepOptions, StepOutcome, StepRunner } from '../src/engine/step-runner.ts';

/** Passes every call to light-run and records it, so the order of the tear-down can be asserted. */
class RecordingRunner implements StepRunner {
  readonly calls: string[] = [];
  constructor(private readonly client: LightRunClient) {}
  runStep(body: RunBody, options?: RunStepOptions): Promise<StepOutcome> {
    this.calls.push('runStep');
    return this.client.runStep(body, options);
  }
  async startService(body: RunBody, options?: { signal?: AbortSignal }): Promise<{ id: string }> {
    const started = await this.client.startService(body, options);
    this.calls.push(`startService:${started.id}`);
    return started;
  }
  async stopService(id: string): Promise<void> {
    this.calls.push(`stopService:${id}`);
    await this.client.stopService(id);
    this.calls.push(`stoppedService:${id}`);
  }
  async createNetwork(name: string, options?: NetworkOptions): Promise<unknown> {
    this.calls.push(`createNetwork:${name}`);
    return this.client.createNetwork(name, options);
  }
  async deleteNetwork(name: string): Promise<void> {
    this.calls.push(`deleteNetwork:${name}`);
    await this.client.deleteNetwork(name);
  }
}

/** A busybox httpd service on the `net` network, and a node that fetches from it by hostname. */
function sidecarWorkflow(fetcherNetworks: string[]): WorkflowDefinition {
  return {
    id: 'scope',
    nodes: [
      {
        id: 'fetch',
        image: 'localhost/light-node',
        networks: fetcherNetworks,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a providesEnv template, not a JS template
        providesEnv: { URL: 'http://${service:www}:8080/hello.txt' },
        files: {
          'fetch.js': `const fs = require('node:fs');
(async () => {
  let last = '';
  for (let i = 0; i < 20; i++) {
    try {
      const text = await (await fetch(process.env.URL, { signal: AbortSignal.timeout(2000) })).text();
      fs.writeFileSync('.lp-output.json', JSON.stringify({ text: text.trim(), url: process.env.URL }));
      return;
    } catch (e) { last = e.cause?.code ?? e.message; await new Promise((r) => setTimeout(r, 250)); }
  }
  console.error('unreachable: ' + last);
  process.exitCode = 1;
})();`,
        },
        entrypoint: 'node fetch.js',
      },
    ],
    links: [],
    networkDefs: [{ alias: 'net', internal: true }],
    services: [
      {
        id: 'www',
        image: 'localhost/light-sh',
        networks: ['net'],
        files: { 'public/hello.txt': 'hello from www\n' },
        entrypoint: 'httpd -f -p 8080 -h /app/public',
      },
    ],
  };
}

let local: LocalLightRun;

describe('run-scoped networks and services (real light-run)', () => {
  before(async () => {
    local = await startLocalLightRun();
  });
  after(async () => {
    await local?.stop();
    await assertNoLeaks();
  });

  test('a networkDef exists as lp-<runId>-<alias> while the DAG runs and is deleted after it', async () => {
    const wf: WorkflowDefinition = {
      id: 'netlife',
      nodes: [{ id: 'n', image: 'localhost/light-sh', networks: ['net'], entrypoint: 'sleep 1' }],
      links: [],
      networkDefs: [{ alias: 'net' }],
      services: [],
    };
    let existedDuringRun: Promise<boolean> | undefined;
    const result = await executeWorkflow(
      wf,
      {},
      {
        runner: local.client,
        runId: 'netlife1',
        onNodeStart: () => {
          existedDuringRun = local.client.networkExists('lp-netlife1-net');
        },
      },
    );
    assert.equal(result.success, true, result.error?.message);
    assert.equal(await existedDuringRun, true);
    assert.equal(await local.client.networkExists('lp-netlife1-net'), false);
  });

  test('a service is reachable by its hostname through providesEnv, and is stopped before its network is deleted', async () => {
    const runner = new RecordingRunner(local.client);
    const result = await executeWorkflow(sidecarWorkflow(['net']), {}, { runner, runId: 'svc1' });
    assert.equal(result.success, true, result.error?.message);
    const started = runner.calls.find((c) => c.startsWith('startService:'));
    const serviceId = started?.split(':')[1] as string;
    assert.deepEqual(result.results.fetch?.output, {
      text: 'hello from www',
      url: `http://${serviceId}:8080/hello.txt`,
    });
    const calls = runner.calls;
    assert.deepEqual(calls[0], 'createNetwork:lp-svc1-net');
    assert.ok(
      calls.indexOf(`stoppedService:${serviceId}`) < calls.indexOf('deleteNetwork:lp-svc1-net'),
      calls.join(' '),
    );
    const state = await local.client.getRun(serviceId);
    assert.notEqual(state.status, 'running', 'the service run has ended');
    assert.equal(await local.client.networkExists('lp-svc1-net'), false);
  });

  test('a node on the light-run default network cannot reach a service on a run-scoped internal network', async () => {
    const result = await executeWorkflow(sidecarWorkflow([]), {}, { runner: local.client, runId: 'svc2' });
    assert.equal(result.success, false);
    assert.equal(result.error?.nodeId, 'fetch');
    assert.match(result.error?.message ?? '', /unreachable/);
    assert.equal(await local.client.networkExists('lp-svc2-net'), false, 'torn down after a failure too');
  });
});
