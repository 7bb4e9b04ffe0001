import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { assertNoLeaksOf, leakScope } from '../../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../../test/support/temp.ts';
import { InMemoryRunner } from '../../src/adapters/memory/memory-runner.ts';
import type { WorkflowDefinition } from '../../src/definition/definitions.ts';
import type { ConcurrencyDefinition } from '../../src/definition/triggers/triggers.ts';
import { createLightServer, type LightServer } from '../../src/faces/server/app.ts';
import type { ServerRunner } from '../../src/faces/server/options.ts';
import type { RunPage, RunRecord } from '../../src/faces/server/store/types.ts';
import { signWebhook } from '../../src/faces/server/webhook-signature.ts';
import { saveWorkflowToFolder } from '../../src/files/save-workflow.ts';
import { FakeClock } from './fake-clock.ts';

// Admission, webhooks and schedule routes of `light serve`, in-process over the in-memory
// runner: steps that take `{"hold": true}` wait until the test lets them go.

const SECRET = 'it-is-a-secret';

class Steps {
  running = 0;
  maxRunning = 0;
  envSeen: Record<string, string>[] = [];
  #waiting: (() => void)[] = [];
  readonly runner: ServerRunner;

  constructor() {
    const memory = new InMemoryRunner(async (body, ctx) => {
      this.running++;
      this.maxRunning = Math.max(this.maxRunning, this.running);
      this.envSeen.push(body.env ?? {});
      try {
        if ((body.input as { hold?: boolean } | undefined)?.hold) {
          await new Promise<void>((resolve) => {
            this.#waiting.push(resolve);
            ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        }
        return { output: { ok: true } };
      } finally {
        this.running--;
      }
    });
    this.runner = Object.assign(memory, {
      cancel: async () => {},
      cleanupNetworks: async () => ({ removed: [] }),
    }) as unknown as ServerRunner;
  }

  /** Lets every held step finish. */
  releaseAll(): void {
    for (const go of this.#waiting.splice(0)) go();
  }
}

function flow(id: string, patch: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return {
    id,
    nodes: [{ id: 'a', image: 'localhost/light-sh', entrypoint: 'true', env: ['VISIBLE'] }],
    links: [],
    networkDefs: [],
    services: [],
    ...patch,
  };
}

const limited = (id: string, concurrency: ConcurrencyDefinition) => flow(id, { concurrency });

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('light serve admission and triggers (in-memory runner)', () => {
  const dir = tempDir('triggers');
  const servers: LightServer[] = [];

  async function serve(workflows: WorkflowDefinition[], extra: { maxConcurrentRuns?: number } = {}) {
    const steps = new Steps();
    const folder = `${dir.path}/${servers.length}`;
    for (const wf of workflows) await saveWorkflowToFolder(wf, `${folder}/${wf.id}`);
    const server = await createLightServer({
      dir: folder,
      runner: steps.runner,
      env: { source: { VISIBLE: 'yes', HOOK_SECRET: SECRET }, pass: ['VISIBLE', 'HOOK_SECRET'] },
      clock: new FakeClock('2026-01-01T00:00:00Z'),
      ...extra,
    });
    servers.push(server);
    const run = async (id: string, input: unknown) => {
      const res = await server.app.inject({
        method: 'POST',
        url: `/api/workflows/${id}/run?async=1`,
        payload: input as object,
      });
      return { status: res.statusCode, body: res.json() as { runId: string; error?: { code: string } } };
    };
    const get = async (runId: string) =>
      (await server.app.inject({ url: `/api/runs/${runId}` })).json() as RunRecord;
    return { server, steps, run, get, folder };
  }

  after(async () => {
    for (const s of servers) await s.close();
    dir[Symbol.dispose]();
    // No containers here (in-memory runner): what this file makes is its temp dir.
    const scope = leakScope();
    scope.tempPaths.add(dir.path);
    await assertNoLeaksOf(scope);
  });

  test('concurrency limit 1, onLimit queue: the second run is queued, then starts when the first ends', async () => {
    const { steps, run, get } = await serve([limited('q', { limit: 1, onLimit: 'queue' })]);
    const first = await run('q', { hold: true });
    const second = await run('q', {});
    assert.equal(first.status, 202);
    assert.equal((await get(second.body.runId)).status, 'queued');
    assert.equal((await get(second.body.runId)).startedAt, null);
    await until('the first step runs', () => steps.running === 1);
    steps.releaseAll();
    await until('the second run ends', async () => (await get(second.body.runId)).status === 'succeeded');
    const [a, b] = [await get(first.body.runId), await get(second.body.runId)];
    assert.equal(a.trigger, 'manual');
    assert.ok(
      b.startedAt && a.finishedAt && b.startedAt >= a.finishedAt,
      'it left the queue after the first ended',
    );
    assert.ok(b.createdAt < (b.startedAt ?? ''), 'createdAt stays when it was asked for');
    assert.equal(steps.maxRunning, 1);
  });

  test('onLimit skip: a run past the limit is refused with 409 and recorded nowhere', async () => {
    const { server, steps, run } = await serve([limited('s', { limit: 1, onLimit: 'skip' })]);
    await run('s', { hold: true });
    const skipped = await run('s', {});
    assert.equal(skipped.status, 409);
    assert.equal(skipped.body.error?.code, 'CONCURRENCY_LIMIT');
    const page = (await server.app.inject({ url: '/api/runs?workflow=s' })).json() as RunPage;
    assert.equal(page.total, 1);
    steps.releaseAll();
  });

  test('onLimit cancel-previous: the running run is cancelled and the new one runs', async () => {
    const { steps, run, get } = await serve([limited('c', { limit: 1, onLimit: 'cancel-previous' })]);
    const first = await run('c', { hold: true });
    await until('the first step runs', () => steps.running === 1);
    const second = await run('c', {});
    await until('the second run ends', async () => (await get(second.body.runId)).status === 'succeeded');
    assert.equal((await get(first.body.runId)).status, 'cancelled');
    assert.equal(steps.maxRunning, 1);
  });

  test('onLimit cancel-previous with limit 2 cancels only the oldest run, to make room', async () => {
    const { steps, run, get } = await serve([limited('c2', { limit: 2, onLimit: 'cancel-previous' })]);
    const oldest = await run('c2', { hold: true });
    const middle = await run('c2', { hold: true });
    await until('two steps run', () => steps.running === 2);
    const newest = await run('c2', {});
    await until('the newest run ends', async () => (await get(newest.body.runId)).status === 'succeeded');
    assert.equal((await get(oldest.body.runId)).status, 'cancelled');
    assert.equal((await get(middle.body.runId)).status, 'running');
    steps.releaseAll();
    await until('the middle run ends', async () => (await get(middle.body.runId)).status === 'succeeded');
  });

  test('--max-runs 2 holds across workflows; a queued run can be cancelled and never starts', async () => {
    const { server, steps, run, get } = await serve([flow('x'), flow('y')], { maxConcurrentRuns: 2 });
    const ids: string[] = [];
    for (const id of ['x', 'y', 'x', 'y']) ids.push((await run(id, { hold: true })).body.runId);
    await until('two steps run', () => steps.running === 2);
    const queued = (await server.app.inject({ url: '/api/runs?status=queued' })).json() as RunPage;
    assert.equal(queued.total, 2);
    const cancel = await server.app.inject({ method: 'POST', url: `/api/runs/${ids[3]}/cancel` });
    assert.equal(cancel.statusCode, 200);
    const cancelled = await get(ids[3] as string);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.startedAt, null);
    assert.equal(cancelled.durationMs, null);
    steps.releaseAll();
    await until('the third run holds', () => steps.running === 1);
    steps.releaseAll();
    await until('all ended', async () => (await get(ids[2] as string)).status === 'succeeded');
    assert.equal(steps.maxRunning, 2);
  });

  test('queued runs stay queued when the server closes and run after the next start', async () => {
    const { server, steps, run, folder } = await serve([limited('r', { limit: 1, onLimit: 'queue' })]);
    const held = await run('r', { hold: true });
    const waiting = [await run('r', {}), await run('r', {})];
    await until('the first step runs', () => steps.running === 1);
    const dbPath = `${folder}/.light/history.db`;
    await server.close();
    const again = await createLightServer({
      dir: folder,
      dbPath,
      runner: new Steps().runner,
      env: { source: { VISIBLE: 'yes' }, pass: ['VISIBLE'] },
    });
    servers.push(again);
    const heldRecord = (await again.app.inject({ url: `/api/runs/${held.body.runId}` })).json() as RunRecord;
    assert.equal(heldRecord.status, 'cancelled', 'the running one was cancelled at shutdown');
    assert.deepEqual(
      again.resumedRuns,
      waiting.map((w) => w.body.runId),
    );
    for (const w of waiting) {
      await until('a resumed run ends', async () => {
        const rec = (await again.app.inject({ url: `/api/runs/${w.body.runId}` })).json() as RunRecord;
        return rec.status === 'succeeded';
      });
    }
  });

  describe('POST /hooks/:workflowId', () => {
    const hooked = flow('hooked', {
      triggers: [{ webhook: { secretEnv: 'HOOK_SECRET' } }],
      inputs: { type: 'object', properties: { ref: { type: 'string' } } },
    });
    const post = (server: LightServer, body: string, headers: Record<string, string>) =>
      server.app.inject({
        method: 'POST',
        url: '/hooks/hooked',
        payload: body,
        headers: { 'content-type': 'application/json', ...headers },
      });

    test('a good signature answers 202 with the run id; the run records trigger webhook and the body as input', async () => {
      const { server, get, steps } = await serve([hooked]);
      const body = JSON.stringify({ ref: 'main' });
      const res = await post(server, body, { 'x-hub-signature-256': signWebhook(SECRET, body) });
      assert.equal(res.statusCode, 202);
      const { runId } = res.json() as { runId: string };
      await until('it ends', async () => (await get(runId)).status === 'succeeded');
      const record = await get(runId);
      assert.equal(record.trigger, 'webhook');
      assert.deepEqual(record.input, { ref: 'main' });
      const page = (
        await server.app.inject({ url: '/api/runs?workflow=hooked&trigger=webhook' })
      ).json() as RunPage;
      assert.deepEqual(
        page.runs.map((r) => r.id),
        [runId],
      );
      const manual = (await server.app.inject({ url: '/api/runs?trigger=manual' })).json() as RunPage;
      assert.equal(manual.total, 0);
      assert.deepEqual(steps.envSeen, [{ VISIBLE: 'yes' }]);
    });

    test("a webhook's secret never reaches a node, even when the allow-list names it", async () => {
      const reader = flow('reader', {
        nodes: [{ id: 'a', image: 'localhost/light-sh', env: ['HOOK_SECRET'] }],
      });
      const { run, steps } = await serve([hooked, reader]);
      const refused = await run('reader', {});
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error?.code, 'ENV_MISSING');
      assert.deepEqual(steps.envSeen, [], 'nothing ran');
    });

    test('a bad, missing, stale or replayed signature is 401 and starts nothing', async () => {
      const { server } = await serve([hooked]);
      const body = '{"ref":"x"}';
      const now = String(Math.floor(Date.now() / 1000));
      const cases: [string, Record<string, string>][] = [
        ['missing', {}],
        ['bad', { 'x-hub-signature-256': signWebhook('wrong secret', body) }],
        ['malformed', { 'x-hub-signature-256': 'sha1=abc' }],
        ['stale', { 'x-light-timestamp': '1000', 'x-hub-signature-256': signWebhook(SECRET, body, '1000') }],
        [
          'timestamp not signed',
          { 'x-light-timestamp': now, 'x-hub-signature-256': signWebhook(SECRET, body) },
        ],
      ];
      for (const [name, headers] of cases) {
        const res = await post(server, body, headers);
        assert.equal(res.statusCode, 401, name);
        assert.equal((res.json() as { error: { code: string } }).error.code, 'SIGNATURE_INVALID', name);
      }
      const signed = { 'x-light-timestamp': now, 'x-hub-signature-256': signWebhook(SECRET, body, now) };
      assert.equal((await post(server, body, signed)).statusCode, 202, 'a fresh timestamped call');
      const replay = await post(server, body, signed);
      assert.equal(replay.statusCode, 401);
      assert.match(replay.body, /replay/);
      const page = (await server.app.inject({ url: '/api/runs' })).json() as RunPage;
      assert.equal(page.total, 1, 'only the genuine call started a run');
    });

    test('an oversized body is 413; an unknown workflow or one without a webhook is 404; the API key is not asked', async () => {
      const steps = new Steps();
      const folder = `${dir.path}/keyed`;
      await saveWorkflowToFolder(hooked, `${folder}/hooked`);
      await saveWorkflowToFolder(flow('plain'), `${folder}/plain`);
      const server = await createLightServer({
        dir: folder,
        runner: steps.runner,
        apiKey: 'k'.repeat(20),
        bodyLimitBytes: 2048,
        env: { source: { VISIBLE: 'yes', HOOK_SECRET: SECRET }, pass: ['VISIBLE'] },
      });
      servers.push(server);
      const big = JSON.stringify({ ref: 'x'.repeat(4096) });
      const tooBig = await post(server, big, { 'x-hub-signature-256': signWebhook(SECRET, big) });
      assert.equal(tooBig.statusCode, 413);
      const body = '{}';
      const sig = { 'x-hub-signature-256': signWebhook(SECRET, body) };
      for (const url of ['/hooks/plain', '/hooks/nope']) {
        const res = await server.app.inject({
          method: 'POST',
          url,
          payload: body,
          headers: { 'content-type': 'application/json', ...sig },
        });
        assert.equal(res.statusCode, 404, url);
      }
      assert.equal((await post(server, body, sig)).statusCode, 202, 'no Authorization header needed');
      const invalid = await post(server, '{"ref": 3}', {
        'x-hub-signature-256': signWebhook(SECRET, '{"ref": 3}'),
      });
      assert.equal(invalid.statusCode, 400, 'the input schema still applies');
      const notJson = await post(server, '{nope', { 'x-hub-signature-256': signWebhook(SECRET, '{nope') });
      assert.equal(notJson.statusCode, 400);
      const unsignedNotJson = await post(server, '{nope', {});
      assert.equal(unsignedNotJson.statusCode, 401, 'the signature is checked before the body is parsed');
    });
  });

  test('schedules: listed with next fire times, paused and resumed over the API; workflows show their triggers', async () => {
    const { server } = await serve([
      flow('cron', {
        triggers: [
          { schedule: { cron: '0 */6 * * *', timezone: 'UTC' } },
          { webhook: { secretEnv: 'HOOK_SECRET' } },
        ],
        concurrency: { limit: 1, onLimit: 'skip' },
      }),
    ]);
    const list = (await server.app.inject({ url: '/api/schedules' })).json();
    assert.deepEqual(list, {
      schedules: [
        {
          workflowId: 'cron',
          index: 0,
          cron: '0 */6 * * *',
          timezone: 'UTC',
          paused: false,
          nextRuns: ['2026-01-01T06:00:00.000Z', '2026-01-01T12:00:00.000Z', '2026-01-01T18:00:00.000Z'],
        },
      ],
    });
    const paused = await server.app.inject({ method: 'POST', url: '/api/schedules/cron/0/pause' });
    assert.equal(paused.statusCode, 200);
    assert.equal((paused.json() as { paused: boolean }).paused, true);
    const resumed = await server.app.inject({ method: 'POST', url: '/api/schedules/cron/0/resume' });
    assert.equal((resumed.json() as { paused: boolean }).paused, false);
    const missing = await server.app.inject({ method: 'POST', url: '/api/schedules/cron/1/pause' });
    assert.equal(missing.statusCode, 404);
    const wf = (await server.app.inject({ url: '/api/workflows/cron' })).json() as Record<string, unknown>;
    assert.deepEqual(wf.concurrency, { limit: 1, onLimit: 'skip' });
    assert.equal((wf.triggers as unknown[]).length, 2);
    const doc = (await server.app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/api/schedules',
      '/api/schedules/{workflowId}/{index}/pause',
      '/api/schedules/{workflowId}/{index}/resume',
      '/hooks/{workflowId}',
    ])
      assert.ok(doc.paths[path], `the OpenAPI document covers ${path}`);
  });
});
