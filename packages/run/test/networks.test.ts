import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import type { ErrorBody, RunState } from '../src/index.ts';
import { startReceiver } from './support/http.ts';
import { logText, runSync, startDetached, waitForLog } from './support/runs.ts';
import { json, startServer, type TestServer } from './support/server.ts';

/** Prints the page at argv[1], or `unreachable: <why>` and exits 7. */
const probe = `import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())
except Exception as e:
    print('unreachable:', e)
    sys.exit(7)
`;

/** Prints `ip=<address>` then serves its workdir over HTTP on 8080 (`Serving HTTP` once it listens). */
const serve = `ip -4 -o addr show eth0 | awk '{split($4, a, "/"); print "ip=" a[1]}'; echo hello-from-server > index.html; exec python3 -u -m http.server 8080`;

function hostAddress(): string {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    for (const a of addresses ?? [])
      if (a.family === 'IPv4' && !a.internal && name !== 'lo') return a.address;
  }
  throw new Error('no non-loopback IPv4 address on this host');
}

async function serverIp(t: TestServer, id: string): Promise<string> {
  const log = await waitForLog(t, id, 'ip=');
  const ip = /ip=(\S+)/.exec(log)?.[1];
  assert.ok(ip, log);
  // Probing before the server listens would prove nothing about the network.
  await waitForLog(t, id, 'Serving HTTP');
  return ip;
}

describe('networks', () => {
  let t: TestServer;
  const name = `lrt-${randomBytes(4).toString('hex')}`;
  before(async () => {
    t = await startServer();
  });
  after(async () => {
    await t.api(`/networks/${name}`, { method: 'DELETE' });
    await t?.[Symbol.asyncDispose]();
    await assertNoLeaks();
  });

  test('networks ["none"] has only loopback, and neither it nor a named network reaches a host service on 0.0.0.0', async () => {
    await using receiver = await startReceiver('0.0.0.0');
    const url = receiver.url.replace('0.0.0.0', hostAddress());
    const offline = await runSync(t, {
      image: 'localhost/light-python',
      files: { 'probe.py': probe },
      entrypoint: `ls /sys/class/net; python3 probe.py ${url}`,
      networks: ['none'],
    });
    assert.equal(offline.status, 'failed');
    assert.equal(offline.exitCode, 7);
    const log = await logText(t, offline.id);
    assert.match(log, /unreachable/);
    assert.deepEqual(
      log.split('\n').filter((l) => l && !l.startsWith('unreachable')),
      ['lo'],
    );
    assert.equal(receiver.received.length, 0);

    const created = await t.post('/networks', { name });
    assert.equal(created.status, 201);
    // light-runner's host firewall: the bridges light-run creates reach no address of the host
    // (the same probe reaches a peer on such a network in the tests below).
    const online = await runSync(t, {
      image: 'localhost/light-python',
      files: { 'probe.py': probe },
      entrypoint: `python3 probe.py ${url}`,
      networks: [name],
    });
    assert.equal(online.status, 'failed', await logText(t, online.id));
    assert.equal(online.exitCode, 7);
    assert.match(await logText(t, online.id), /unreachable/);
    assert.equal(receiver.received.length, 0);
  });

  test('two containers on the default network cannot reach each other', async () => {
    const server = await startDetached(t, { image: 'localhost/light-python', entrypoint: serve });
    try {
      const ip = await serverIp(t, server.id);
      const client = await runSync(t, {
        image: 'localhost/light-python',
        files: { 'probe.py': probe },
        entrypoint: `python3 probe.py http://${ip}:8080/index.html`,
      });
      assert.equal(client.status, 'failed', await logText(t, client.id));
      assert.match(await logText(t, client.id), /unreachable/);
    } finally {
      await t.post(`/runs/${server.id}/cancel`);
    }
  });

  test('a named network lets two runs talk, by address and by run id; DELETE is 409 while in use, then 204', async () => {
    const created = await t.post('/networks', { name });
    assert.equal(created.status, 201);
    assert.deepEqual(await json(created), { name, created: false });
    assert.deepEqual(await json(await t.api(`/networks/${name}`)), { name, exists: true });
    const server = await startDetached(t, {
      image: 'localhost/light-python',
      entrypoint: serve,
      networks: [name],
    });
    try {
      const ip = await serverIp(t, server.id);
      for (const host of [ip, server.id]) {
        const client = await runSync(t, {
          image: 'localhost/light-python',
          files: { 'probe.py': probe },
          entrypoint: `python3 probe.py http://${host}:8080/index.html`,
          networks: [name],
        });
        assert.equal(client.status, 'succeeded', `via ${host}: ${await logText(t, client.id)}`);
        assert.match(await logText(t, client.id), /hello-from-server/);
      }
      const busy = await t.api(`/networks/${name}`, { method: 'DELETE' });
      assert.equal(busy.status, 409);
      assert.equal((await json<ErrorBody>(busy)).error.code, 'NETWORK_IN_USE');
    } finally {
      assert.equal((await json<RunState>(await t.post(`/runs/${server.id}/cancel`))).status, 'cancelled');
    }
    assert.equal((await t.api(`/networks/${name}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual(await json(await t.api(`/networks/${name}`)), { name, exists: false });
    const unknown = await t.api(`/networks/${name}`, { method: 'DELETE' });
    assert.equal(unknown.status, 404);
    assert.equal((await json<ErrorBody>(unknown)).error.code, 'NETWORK_NOT_FOUND');
  });

  test('POST /networks/cleanup removes networks by prefix', async () => {
    const prefix = `lrt-clean-${randomBytes(3).toString('hex')}-`;
    for (const n of ['a', 'b'])
      assert.equal((await t.post('/networks', { name: `${prefix}${n}` })).status, 201);
    const res = await t.post('/networks/cleanup', { prefix });
    assert.equal(res.status, 200);
    assert.deepEqual((await json<{ removed: string[] }>(res)).removed.sort(), [`${prefix}a`, `${prefix}b`]);
    assert.deepEqual(await json(await t.api(`/networks/${prefix}a`)), { name: `${prefix}a`, exists: false });
  });

  test('a network body with an unknown driver answers 400 naming driver', async () => {
    const res = await t.post('/networks', { name: 'lrt-x', driver: 'overlay' });
    assert.equal(res.status, 400);
    assert.match((await json<ErrorBody>(res)).error.message, /^driver: /);
  });
});
