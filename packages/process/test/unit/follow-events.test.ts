import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RemoteRunEvent } from '../../src/faces/remote/follow-events.ts';
import { LightServeClient } from '../../src/faces/remote/light-serve-client.ts';
import { RemoteError } from '../../src/faces/remote/remote-error.ts';

const time = '2026-01-01T00:00:00.000Z';
const EVENTS: RemoteRunEvent[] = [
  { type: 'node-started', runId: 'r1', nodeId: 'a', iteration: 1, attempt: 1, time },
  { type: 'log', runId: 'r1', nodeId: 'a', stream: 'stdout', line: 'one', time, attempt: 1 },
  { type: 'log', runId: 'r1', nodeId: 'a', stream: 'stdout', line: 'two', time, attempt: 1 },
  {
    type: 'node-finished',
    runId: 'r1',
    nodeId: 'a',
    status: 'succeeded',
    exitCode: 0,
    durationMs: 5,
    output: null,
    error: null,
    time,
  },
  { type: 'run-finished', runId: 'r1', status: 'succeeded', error: null, time },
];

function frame(id: number): string {
  const event = EVENTS[id - 1] as RemoteRunEvent;
  return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

// A stand-in light serve over real HTTP: run r1's stream drops after two events on every
// connection until the end (flaky first answers 503); missing is a 404; bad sends an event that is not a run event.
describe('LightServeClient.followRun (real HTTP on 127.0.0.1)', () => {
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];
  let flakyCalls = 0;

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      if (req.url === '/api/runs/flaky/events' && flakyCalls++ === 0) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"UNAVAILABLE","message":"restarting"}}');
        return;
      }
      if (req.url === '/api/runs/missing/events') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"RUN_NOT_FOUND","message":"no run with id missing"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.url === '/api/runs/bad/events') {
        res.end('id: 1\ndata: {"type":"log","runId":"bad"}\n\n');
        return;
      }
      const after = Number(req.headers['last-event-id'] ?? 0);
      const ids = [after + 1, after + 2].filter((id) => id <= EVENTS.length);
      res.write(`retry: 10\n\n${ids.map(frame).join('')}`);
      // Dropped, not ended: the connection breaks mid-stream.
      setImmediate(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('reconnects with Last-Event-ID after each drop; every event arrives once, in order', async () => {
    seen.length = 0;
    const received: RemoteRunEvent[] = [];
    await new LightServeClient({ url }).followRun('r1', (e) => received.push(e), undefined, {
      retryDelayMs: 10,
    });
    assert.deepEqual(received, EVENTS);
    assert.deepEqual(
      seen.map((h) => h['last-event-id']),
      [undefined, '2', '4'],
    );
  });

  test('an event that is not a run event is a RemoteError, not a reconnect', async () => {
    seen.length = 0;
    const error = await new LightServeClient({ url })
      .followRun('bad', () => {})
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.remoteCode, 'BAD_RESPONSE');
    assert.match(error.message, /run bad/);
    assert.equal(seen.length, 1);
  });

  test('a 503 while the server restarts is retried; a 404 is not', async () => {
    seen.length = 0;
    const received: RemoteRunEvent[] = [];
    const client = new LightServeClient({ url });
    await client.followRun('flaky', (e) => received.push(e), undefined, { retryDelayMs: 10 });
    assert.deepEqual(received, EVENTS);
    assert.equal(flakyCalls, 4);

    seen.length = 0;
    const error = await client
      .followRun('missing', () => {})
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.status, 404);
    assert.equal(error.code, 'USAGE');
    assert.equal(seen.length, 1);
  });
});
