import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import { createLightServer, type LightServer } from '../src/faces/server/app.ts';
import type { RunRecord } from '../src/faces/server/store/types.ts';
import {
  failingWorkflow,
  greetWorkflow,
  readEvents,
  sleepyWorkflow,
  writeWorkflows,
} from './serve-fixtures.ts';

describe('light serve REST API (real light-run, real containers)', () => {
  const dir = tempDir('serve-api');
  let local: LocalLightRun;
  let server: LightServer;
  let base: string;

  const api = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, init);
  const post = (path: string, body: unknown) =>
    api(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  before(async () => {
    await writeWorkflows(dir.path, [greetWorkflow, sleepyWorkflow, failingWorkflow]);
    local = await startLocalLightRun();
    server = await createLightServer({ dir: dir.path, runner: local.client });
    base = await server.listen({ port: 0 });
  });

  after(async () => {
    await server?.close();
    await local?.stop();
    dir[Symbol.dispose]();
    await assertNoLeaks();
  });

  test('GET /health answers ok', async () => {
    const res = await api('/health');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: string }).status, 'ok');
  });

  test('GET /api/workflows lists the workflows of the folder', async () => {
    const body = (await (await api('/api/workflows')).json()) as {
      workflows: { id: string; nodeCount: number }[];
    };
    assert.deepEqual(
      body.workflows.map((w) => [w.id, w.nodeCount]),
      [
        ['failing', 1],
        ['greet', 2],
        ['sleepy', 1],
      ],
    );
  });

  test('GET /api/workflows/:id gives the graph and input schema; ?full=1 the whole definition', async () => {
    const summary = (await (await api('/api/workflows/greet')).json()) as Record<string, unknown>;
    assert.deepEqual(summary.links, [{ from: 'hello', to: 'shout', when: { greeting: { exists: true } } }]);
    assert.deepEqual((summary.inputSchema as { required: string[] }).required, ['name']);
    const full = (await (await api('/api/workflows/greet?full=1')).json()) as typeof greetWorkflow;
    assert.equal(full.nodes[0]?.entrypoint, 'sh hello.sh');
    assert.ok(full.nodes[0]?.files?.['hello.sh']);
  });

  test('POST /api/workflows/:id/run runs in containers and answers the finished run', async () => {
    const res = await post('/api/workflows/greet/run', { name: 'Ada' });
    assert.equal(res.status, 200);
    const run = (await res.json()) as RunRecord;
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const hello = run.nodes.find((n) => n.nodeId === 'hello');
    const shout = run.nodes.find((n) => n.nodeId === 'shout');
    assert.equal(hello?.status, 'succeeded');
    assert.equal(hello?.exitCode, 0);
    assert.deepEqual(hello?.output, { greeting: 'hello Ada' });
    assert.ok((hello?.durationMs ?? 0) > 0);
    assert.ok(
      hello?.logs.some((l) => l.line === 'hello Ada'),
      JSON.stringify(hello?.logs),
    );
    assert.equal(shout?.status, 'succeeded');
    assert.ok(
      shout?.logs.some((l) => l.line.includes('HELLO ADA')),
      JSON.stringify(shout?.logs),
    );
    assert.deepEqual(run.input, { name: 'Ada' });
  });

  test('?async=1 answers 202 with the run id; the event stream replays and follows it to run-finished', async () => {
    const res = await post('/api/workflows/greet/run?async=1', { name: 'Grace' });
    assert.equal(res.status, 202);
    const { runId } = (await res.json()) as { runId: string };
    const stream = await api(`/api/runs/${runId}/events`);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = await readEvents(stream);
    const summary = events.filter((e) => e.type !== 'log').map((e) => `${e.type}:${e.nodeId ?? e.status}`);
    assert.deepEqual(summary, [
      'node-started:hello',
      'node-finished:hello',
      'node-started:shout',
      'node-finished:shout',
      'run-finished:succeeded',
    ]);
    assert.ok(events.some((e) => e.type === 'log' && e.nodeId === 'hello' && e.line === 'hello Grace'));
    // Once finished, the same stream is rebuilt from the history.
    const replay = await readEvents(await api(`/api/runs/${runId}/events`));
    assert.deepEqual(
      replay.filter((e) => e.type !== 'log').map((e) => `${e.type}:${e.nodeId ?? e.status}`),
      summary,
    );
  });

  test('a failing node fails the run with its exit code and stderr', async () => {
    const run = (await (await post('/api/workflows/failing/run', {})).json()) as RunRecord;
    assert.equal(run.status, 'failed');
    const boom = run.nodes[0];
    assert.equal(boom?.status, 'failed');
    assert.equal(boom?.exitCode, 3);
    assert.ok(
      boom?.logs.some((l) => l.stream === 'stderr' && l.line === 'about to fail'),
      JSON.stringify(boom?.logs),
    );
  });

  test('POST /api/runs/:id/cancel stops a running run; a second cancel answers 409', async () => {
    const { runId } = (await (await post('/api/workflows/sleepy/run?async=1', {})).json()) as {
      runId: string;
    };
    const deadline = Date.now() + 60_000;
    for (;;) {
      const run = (await (await api(`/api/runs/${runId}`)).json()) as RunRecord;
      if (run.nodes[0]?.logs.some((l) => l.line === 'going to sleep')) break;
      assert.ok(Date.now() < deadline, 'the sleepy node never started');
      await new Promise((r) => setTimeout(r, 200));
    }
    const res = await api(`/api/runs/${runId}/cancel`, { method: 'POST' });
    assert.equal(res.status, 200);
    const run = (await res.json()) as RunRecord;
    assert.equal(run.status, 'cancelled');
    assert.equal(run.nodes[0]?.status, 'cancelled');
    const again = await api(`/api/runs/${runId}/cancel`, { method: 'POST' });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'RUN_FINISHED');
  });

  test('GET /api/runs filters by workflow and status and pages', async () => {
    const page = (await (await api('/api/runs?workflow=greet&status=succeeded&limit=1')).json()) as {
      runs: { workflowId: string; status: string }[];
      total: number;
      nextOffset: number | null;
    };
    assert.equal(page.runs.length, 1);
    assert.equal(page.total, 2);
    assert.equal(page.nextOffset, 1);
    assert.deepEqual(page.runs[0] && [page.runs[0].workflowId, page.runs[0].status], ['greet', 'succeeded']);
    const next = (await (await api('/api/runs?workflow=greet&status=succeeded&limit=1&offset=1')).json()) as {
      nextOffset: number | null;
    };
    assert.equal(next.nextOffset, null);
  });

  test('bad input answers 400 naming the field', async () => {
    const input = await post('/api/workflows/greet/run', { name: 42 });
    assert.equal(input.status, 400);
    const inputError = ((await input.json()) as { error: { code: string; message: string } }).error;
    assert.equal(inputError.code, 'INPUT_INVALID');
    assert.match(inputError.message, /\/name/);
    const query = await api('/api/runs?limit=0');
    assert.equal(query.status, 400);
    assert.match(((await query.json()) as { error: { message: string } }).error.message, /query\.limit/);
    const json = await api('/api/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(json.status, 400);
  });

  test('an invalid workflow is refused with the validation messages', async () => {
    const res = await post('/api/workflows', {
      id: 'broken',
      nodes: [{ id: 'a', image: 'localhost/light-sh' }],
      links: [{ from: 'a', to: 'ghost' }],
    });
    assert.equal(res.status, 400);
    const error = (
      (await res.json()) as { error: { code: string; message: string; details: { problems: unknown[] } } }
    ).error;
    assert.equal(error.code, 'WORKFLOW_INVALID');
    assert.match(error.message, /unknown target node 'ghost'/);
    assert.equal(error.details.problems.length, 1);
    const shape = await post('/api/workflows', { id: 'shapeless', nodes: [{ id: 'a' }] });
    assert.match(((await shape.json()) as { error: { message: string } }).error.message, /nodes\[0\]\.image/);
  });

  test('unknown ids answer 404 and oversized bodies 413, in the one error shape', async () => {
    for (const path of ['/api/workflows/nope', '/api/runs/nope', '/api/runs/nope/events']) {
      const res = await api(path);
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.ok(body.error.code.endsWith('NOT_FOUND') && body.error.message, path);
    }
    assert.equal((await post('/api/workflows/nope/run', {})).status, 404);
    const big = await post('/api/workflows', { padding: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'BODY_TOO_LARGE');
  });

  test('register, replace and delete with ?persist=1 write and remove the workflow folder', async () => {
    const wf = { ...greetWorkflow, id: 'greet-copy', name: 'Greet copy' };
    const created = await post('/api/workflows?persist=1', wf);
    assert.equal(created.status, 201);
    const folder = join(dir.path, 'greet-copy');
    assert.equal(JSON.parse(readFileSync(join(folder, 'workflow.json'), 'utf8')).name, 'Greet copy');
    assert.ok(existsSync(join(folder, 'hello', 'hello.sh')));
    assert.equal((await post('/api/workflows', wf)).status, 409);

    const replaced = await api('/api/workflows/greet-copy?persist=1', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...wf, name: 'Renamed' }),
    });
    assert.equal(replaced.status, 200);
    assert.equal(JSON.parse(readFileSync(join(folder, 'workflow.json'), 'utf8')).name, 'Renamed');
    const mismatch = await api('/api/workflows/greet-copy', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...wf, id: 'other' }),
    });
    assert.equal(mismatch.status, 400);

    const removed = await api('/api/workflows/greet-copy?persist=1', { method: 'DELETE' });
    assert.equal(removed.status, 200);
    assert.equal(existsSync(folder), false);
    assert.equal((await api('/api/workflows/greet-copy')).status, 404);
  });

  test('a workflow registered in memory runs without touching the folder', async () => {
    const wf = {
      ...failingWorkflow,
      id: 'mem-only',
      nodes: [{ id: 'ok', image: 'localhost/light-sh', entrypoint: 'echo fine' }],
    };
    assert.equal((await post('/api/workflows', wf)).status, 201);
    assert.equal(existsSync(join(dir.path, 'mem-only')), false);
    const run = (await (await post('/api/workflows/mem-only/run', {})).json()) as RunRecord;
    assert.equal(run.status, 'succeeded');
  });
});
