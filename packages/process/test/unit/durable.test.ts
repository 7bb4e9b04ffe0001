import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../../../../test/support/temp.ts';
import { InMemoryRunner } from '../../src/adapters/memory/memory-runner.ts';
import type { WorkflowDefinition, WorkflowNode } from '../../src/definition/definitions.ts';
import { LightProcessError } from '../../src/definition/errors.ts';
import { executeWorkflow } from '../../src/engine/execute.ts';
import type { NodeCache, NodeCacheEntry } from '../../src/engine/node-cache.ts';
import { nodeFingerprints, planResume } from '../../src/engine/resume.ts';
import { NodeCacheStore } from '../../src/faces/server/store/node-cache-store.ts';

function workflow(nodes: (Partial<WorkflowNode> & { id: string })[], chain = true): WorkflowDefinition {
  return {
    id: 'wf',
    nodes: nodes.map((n) => ({ image: 'localhost/light-sh', entrypoint: n.id, ...n })),
    links: chain ? nodes.slice(1).map((n, i) => ({ from: nodes[i]?.id as string, to: n.id })) : [],
    networkDefs: [],
    services: [],
  };
}

class MapCache implements NodeCache {
  readonly entries = new Map<string, NodeCacheEntry>();
  get(key: string) {
    const e = this.entries.get(key);
    return e && e.expiresAt > new Date().toISOString() ? e : undefined;
  }
  put(entry: NodeCacheEntry) {
    this.entries.set(entry.key, entry);
  }
}

/** An in-memory runner whose engine resolves images to `ids[image]`. */
function runnerWithImages(ids: Record<string, string>) {
  const runner = new InMemoryRunner((body) => ({ output: { from: body.entrypoint, input: body.input } }));
  return Object.assign(runner, { imageId: async (image: string) => ids[image] });
}

describe('memoized nodes (in-memory runner)', () => {
  test('a second identical run reuses the output: no step, cached true, attempts 0; the TTL sets expiresAt', async () => {
    const cache = new MapCache();
    const wf = workflow([{ id: 'a', cache: { ttl: '2h' } }]);
    const runner = runnerWithImages({ 'localhost/light-sh': 'sha256:one' });
    const first = await executeWorkflow(wf, { n: 1 }, { runner, cache });
    assert.equal(first.results.a?.cached, false);
    const entry = [...cache.entries.values()][0];
    assert.ok(entry);
    const ttl = Date.parse(entry.expiresAt) - Date.parse(entry.createdAt);
    assert.equal(ttl, 2 * 3_600_000);
    const second = await executeWorkflow(wf, { n: 1 }, { runner, cache });
    assert.equal(second.results.a?.cached, true);
    assert.equal(second.results.a?.attempts, 0);
    assert.deepEqual(second.results.a?.output, first.results.a?.output);
    assert.equal(runner.requests.length, 1, 'no second step');
  });

  test('each part of the key misses on change: input, image ID, files, setup, entrypoint, workdir, env value', async () => {
    const base: Partial<WorkflowNode> & { id: string } = {
      id: 'a',
      cache: { ttl: 60_000 },
      env: ['TOKEN'],
      files: { 'x.txt': 'one' },
    };
    const variants: [
      string,
      Partial<WorkflowNode>,
      Record<string, string>,
      Record<string, unknown>,
      string,
    ][] = [
      ['same', {}, { TOKEN: 's1' }, { n: 1 }, 'sha256:one'],
      ['input', {}, { TOKEN: 's1' }, { n: 2 }, 'sha256:one'],
      ['image ID', {}, { TOKEN: 's1' }, { n: 1 }, 'sha256:two'],
      ['files', { files: { 'x.txt': 'two' } }, { TOKEN: 's1' }, { n: 1 }, 'sha256:one'],
      ['setup', { setup: ['true'] }, { TOKEN: 's1' }, { n: 1 }, 'sha256:one'],
      ['entrypoint', { entrypoint: 'other' }, { TOKEN: 's1' }, { n: 1 }, 'sha256:one'],
      ['workdir', { workdir: '/work' }, { TOKEN: 's1' }, { n: 1 }, 'sha256:one'],
      ['env value', {}, { TOKEN: 's2' }, { n: 1 }, 'sha256:one'],
    ];
    const cache = new MapCache();
    const seed = runnerWithImages({ 'localhost/light-sh': 'sha256:one' });
    await executeWorkflow(workflow([base]), { n: 1 }, { runner: seed, cache, env: { TOKEN: 's1' } });
    for (const [what, change, env, input, imageId] of variants) {
      const runner = runnerWithImages({ 'localhost/light-sh': imageId });
      const result = await executeWorkflow(workflow([{ ...base, ...change }]), input, { runner, cache, env });
      assert.equal(result.results.a?.cached, what === 'same', `${what}: cached should be ${what === 'same'}`);
    }
    for (const entry of cache.entries.values())
      assert.doesNotMatch(JSON.stringify(entry), /s1|s2/, 'env values never stored in clear');
  });

  test('an expired entry is not reused', async () => {
    const cache = new MapCache();
    const runner = runnerWithImages({});
    const wf = workflow([{ id: 'a', cache: { ttl: 1 } }]);
    await executeWorkflow(wf, {}, { runner, cache });
    await new Promise((r) => setTimeout(r, 20));
    const again = await executeWorkflow(wf, {}, { runner, cache });
    assert.equal(again.results.a?.cached, false);
    assert.equal(runner.requests.length, 2);
  });

  test('NodeCacheStore keeps entries across reopen, hides expired ones from get, clears by filter', () => {
    using dir = tempDir('cache-store');
    const path = join(dir.path, '.light', 'cache.db');
    const now = Date.now();
    const entry = (key: string, nodeId: string, ttl: number): NodeCacheEntry => ({
      key,
      workflowId: 'wf',
      nodeId,
      output: { key },
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttl).toISOString(),
    });
    {
      using store = NodeCacheStore.open(path);
      store.put(entry('k1', 'a', 60_000));
      store.put(entry('k2', 'b', -1));
    }
    using store = NodeCacheStore.open(path);
    assert.deepEqual(store.get('k1')?.output, { key: 'k1' });
    assert.equal(store.get('k2'), undefined);
    assert.deepEqual(
      store.list().map((e) => [e.nodeId, e.expired]),
      [
        ['a', false],
        ['b', true],
      ],
    );
    assert.equal(store.clear({ expired: true }), 1);
    assert.equal(store.clear({ nodeId: 'a' }), 1);
    assert.equal(store.list().length, 0);
  });
});

describe('resume (in-memory runner)', () => {
  const chain = workflow([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }]);
  const recorded = (status: string, fingerprints = nodeFingerprints(chain)) => ({
    runId: 'r1',
    status,
    fingerprints,
    nodes: [
      { nodeId: 'a', status: 'succeeded', output: { a: 1 }, iterations: 1 },
      { nodeId: 'b', status: 'succeeded', output: { b: 2 }, iterations: 1 },
      { nodeId: 'c', status: 'failed', output: null, iterations: 1 },
      { nodeId: 'd', status: 'cancelled', output: null, iterations: 0 },
    ],
  });

  test('a resumed chain reuses the succeeded nodes and runs the failed one and what follows', async () => {
    const reuse = planResume(chain, recorded('failed'));
    assert.deepEqual([...reuse.keys()], ['a', 'b']);
    const runner = new InMemoryRunner((body) => ({ output: { ran: body.entrypoint, got: body.input } }));
    const result = await executeWorkflow(chain, {}, { runner, reuse });
    assert.equal(result.success, true);
    assert.deepEqual(
      runner.requests.map((r) => r.entrypoint),
      ['c', 'd'],
    );
    assert.deepEqual(runner.requests[0]?.input, { b: 2 }, 'c gets the recorded output of b');
    assert.equal(result.results.a?.reused, true);
    assert.equal(result.results.a?.attempts, 0);
  });

  test('a run still running, or one that succeeded, is refused', () => {
    for (const status of ['running', 'succeeded'])
      assert.throws(
        () => planResume(chain, recorded(status)),
        (e: unknown) => e instanceof LightProcessError && e.code === 'RESUME_REFUSED',
      );
  });

  test('a changed node upstream of the failure refuses the resume, naming it; a changed failed node does not', () => {
    const changedB = workflow([{ id: 'a' }, { id: 'b', entrypoint: 'b2' }, { id: 'c' }, { id: 'd' }]);
    assert.throws(
      () => planResume(changedB, recorded('failed')),
      (e: unknown) =>
        e instanceof LightProcessError && e.nodeId === 'b' && /node "b" changed/.test(e.message),
    );
    const changedC = workflow([{ id: 'a' }, { id: 'b' }, { id: 'c', entrypoint: 'fixed' }, { id: 'd' }]);
    assert.deepEqual([...planResume(changedC, recorded('failed')).keys()], ['a', 'b']);
  });
});
