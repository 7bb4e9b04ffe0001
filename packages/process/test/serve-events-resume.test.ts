import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createParser } from 'eventsource-parser';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import { createLightServer, type LightServer } from '../src/faces/server/app.ts';
import { greetWorkflow, writeWorkflows } from './serve-fixtures.ts';

interface Received {
  id: string;
  type: string;
  data: string;
}

/** Reads an event stream; stops (and drops the connection) after `limit` events when given. */
async function readStream(response: Response, limit = Number.POSITIVE_INFINITY): Promise<Received[]> {
  const events: Received[] = [];
  const parser = createParser({
    onEvent: (e) => events.push({ id: e.id ?? '', type: e.event ?? '', data: e.data }),
  });
  assert.ok(response.body);
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    if (events.length >= limit) break; // leaving the loop cancels the body: the connection drops
  }
  return events.slice(0, limit === Number.POSITIVE_INFINITY ? undefined : limit);
}

describe('light serve event ids and resume (real light-run, real containers)', () => {
  const dir = tempDir('serve-events-resume');
  let local: LocalLightRun;
  let server: LightServer;
  let base: string;
  let runId = '';
  let live: Received[] = [];

  before(async () => {
    await writeWorkflows(dir.path, [greetWorkflow]);
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

  test('a stream cut mid-run and resumed with Last-Event-ID loses and repeats nothing', async () => {
    const started = await fetch(`${base}/api/workflows/greet/run?async=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Lin' }),
    });
    assert.equal(started.status, 202);
    ({ runId } = (await started.json()) as { runId: string });
    const url = `${base}/api/runs/${runId}/events`;

    const first = await readStream(await fetch(url), 2);
    assert.equal(first.length, 2);
    assert.deepEqual(
      first.map((e) => e.id),
      ['1', '2'],
    );
    const last = first.at(-1)?.id as string;
    const rest = await readStream(await fetch(url, { headers: { 'last-event-id': last } }));
    assert.equal(rest.at(-1)?.type, 'run-finished');

    const full = await readStream(await fetch(url));
    assert.deepEqual([...first, ...rest], full);
    assert.deepEqual(
      full.map((e) => e.id),
      full.map((_, i) => String(i + 1)),
    );
    assert.deepEqual(
      full.filter((e) => e.type !== 'log').map((e) => `${e.type}:${JSON.parse(e.data).nodeId ?? ''}`),
      [
        'node-started:hello',
        'node-finished:hello',
        'node-started:shout',
        'node-finished:shout',
        'run-finished:',
      ],
    );

    // The query form, for clients that cannot set headers, resumes the same way.
    const tail = await readStream(await fetch(`${url}?lastEventId=${full.length - 2}`));
    assert.deepEqual(tail, full.slice(-2));
    const none = await readStream(await fetch(`${url}?lastEventId=${full.length}`));
    assert.deepEqual(none, []);
    live = full;
  });

  test('after a restart the run is rebuilt from the history with the same ids, and resumes', async () => {
    assert.ok(runId, 'the first test started a run');
    await server.close();
    server = await createLightServer({ dir: dir.path, runner: local.client });
    base = await server.listen({ port: 0 });
    const url = `${base}/api/runs/${runId}/events`;
    const rebuilt = await readStream(await fetch(url));
    const shape = (events: Received[]) =>
      events.map((e) => `${e.id} ${e.type}:${JSON.parse(e.data).nodeId ?? ''}`);
    // greet runs its nodes one after the other, so the record's order is the live order.
    assert.deepEqual(shape(rebuilt), shape(live));
    const rest = await readStream(await fetch(url, { headers: { 'last-event-id': '3' } }));
    assert.deepEqual(rest, rebuilt.slice(3));
  });

  test('a lastEventId that is not a number is a 400 naming the field', async () => {
    const res = await fetch(`${base}/api/runs/whatever/events?lastEventId=abc`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.match(body.error.message, /lastEventId/);
  });
});
