import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import Dockerode from 'dockerode';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import type { RunHandle } from '../src/index.ts';
import { testRunner } from './support/test-runner.ts';

const t = testRunner('isolation');
after(async () => {
  await t[Symbol.asyncDispose]();
  await assertNoLeaks();
});

async function output(
  request: Parameters<typeof t.runner.run>[0],
): Promise<{ status: string; lines: string[] }> {
  const lines: string[] = [];
  const result = await t.runner.run(request, { onLog: (l) => lines.push(l.line) }).result;
  return { status: result.status, lines };
}

/** A shell command that fetches `/` from the run `host` port 8080 (busybox wget crashes in these images). */
function get(host: string): string {
  return `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} 8080`;
}

/** Starts a busybox httpd serving `index.html` on port 8080, resolved once it listens. */
async function server(id: string, networks?: string[]): Promise<RunHandle> {
  let ready!: () => void;
  const listening = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const run = t.runner.run(
    {
      image: 'localhost/light-sh',
      id,
      networks,
      files: { 'www/index.html': `hello from ${id}` },
      entrypoint: 'httpd -p 8080 -h /app/www && echo listening && sleep 120',
    },
    { onLog: (l) => l.line === 'listening' && ready() },
  );
  await Promise.race([listening, run.result]);
  return run;
}

test('dropped capabilities are really gone inside the container: ping, mknod and chroot fail', async () => {
  const { status, lines } = await output({
    image: 'localhost/light-sh',
    entrypoint:
      'ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; echo "ping=$?"; mknod /tmp/dev c 1 3 2>/dev/null; echo "mknod=$?"; ' +
      'chroot / true 2>/dev/null; echo "chroot=$?"; grep CapEff /proc/self/status',
  });
  assert.equal(status, 'succeeded');
  assert.deepEqual(lines.slice(0, 3), ['ping=1', 'mknod=1', 'chroot=1']);
  const capEff = BigInt(`0x${(lines[3] ?? '').split(/\s+/)[1]}`);
  // NET_RAW 13, MKNOD 27, SYS_CHROOT 18, SETPCAP 8, SETFCAP 31, AUDIT_WRITE 29
  for (const bit of [13n, 27n, 18n, 8n, 31n, 29n])
    assert.equal((capEff >> bit) & 1n, 0n, `capability bit ${bit}`);
});

test('no-new-privileges and the PID limit hold inside the container', async () => {
  const { lines } = await output({
    image: 'localhost/light-sh',
    entrypoint: 'grep NoNewPrivs /proc/self/status; cat /sys/fs/cgroup/pids/pids.max',
  });
  assert.deepEqual(lines, ['NoNewPrivs:\t1', '100']);
});

test("networks ['none'] leaves only loopback: the bridge gateway cannot be reached", async () => {
  const bridge = await new Dockerode().getNetwork('bridge').inspect();
  const subnet: string = bridge.IPAM?.Config?.[0]?.Subnet ?? '172.17.0.0/16';
  const gateway = bridge.IPAM?.Config?.[0]?.Gateway ?? subnet.replace(/\.0\/\d+$/, '.1');
  const { status, lines } = await output({
    image: 'localhost/light-sh',
    networks: ['none'],
    entrypoint: `ls /sys/class/net; nc -w 2 ${gateway} 80 </dev/null 2>/dev/null; echo "nc=$?"`,
  });
  assert.equal(status, 'succeeded');
  assert.deepEqual(lines, ['lo', 'nc=1']);
});

test('two runs on the default network cannot reach each other', async () => {
  const id = `iso-server-${randomUUID().slice(0, 8)}`;
  const srv = await server(id);
  const { lines } = await output({
    image: 'localhost/light-sh',
    entrypoint: `nslookup ${id} >/dev/null 2>&1 && echo resolved; ${get(id)} 2>/dev/null; echo "nc=$?"`,
  });
  await srv.cancel();
  assert.equal((await srv.result).status, 'cancelled');
  assert.deepEqual(lines, ['resolved', 'nc=1']);
});

test('two runs sharing a named network talk to each other by run id', async () => {
  const network = `light-test-shared-${randomUUID().slice(0, 8)}`;
  assert.deepEqual(await t.runner.networks.create(network), { name: network, created: true });
  const id = `shared-server-${randomUUID().slice(0, 8)}`;
  const srv = await server(id, [network]);
  const { status, lines } = await output({
    image: 'localhost/light-sh',
    networks: [network],
    entrypoint: `${get(id)} | tail -n 1`,
  });
  await srv.cancel();
  await srv.result;
  await t.runner.networks.remove(network);
  assert.equal(status, 'succeeded');
  assert.deepEqual(lines, [`hello from ${id}`]);
});

test('a second network is connected before start and reaches its peers', async () => {
  const network = `light-test-second-${randomUUID().slice(0, 8)}`;
  await t.runner.networks.create(network, { icc: true });
  const id = `second-server-${randomUUID().slice(0, 8)}`;
  const srv = await server(id, [network]);
  const { status, lines } = await output({
    image: 'localhost/light-sh',
    networks: ['bridge', network],
    entrypoint: `ls /sys/class/net | grep -c eth; ${get(id)} | tail -n 1`,
  });
  await srv.cancel();
  await srv.result;
  await t.runner.networks.remove(network);
  assert.equal(status, 'succeeded');
  assert.deepEqual(lines, ['2', `hello from ${id}`]);
});

test('a default network removed behind a runner is recreated and the run still starts', async () => {
  const defaultNetwork = `light-test-default-${randomUUID().slice(0, 8)}`;
  const runner = t.sibling({ defaultNetwork });
  const first = await runner.run({ image: 'localhost/light-sh', entrypoint: 'true' }).result;
  assert.equal(first.status, 'succeeded');
  const other = t.sibling({ defaultNetwork });
  await other.close(); // nothing uses the network now, so this removes it
  assert.equal(await runner.networks.exists(defaultNetwork), false);
  const again = await runner.run({ image: 'localhost/light-sh', entrypoint: 'echo ok' }).result;
  assert.equal(again.status, 'succeeded', JSON.stringify(again));
  const info = await new Dockerode().getNetwork(defaultNetwork).inspect();
  assert.equal(info.Options?.['com.docker.network.bridge.enable_icc'], 'false');
  await runner.close();
  assert.equal(await runner.networks.exists(defaultNetwork), false);
});

test('runtime and GPU options reach the engine: runsc and GPUs, absent here, fail with typed errors', async () => {
  const gvisor = await t
    .sibling({ runtime: 'runsc' })
    .run({ image: 'localhost/light-sh', entrypoint: 'true' }).result;
  assert.equal(gvisor.status, 'failed');
  assert.equal(gvisor.error?.code, 'CREATE_FAILED');
  assert.match(gvisor.error?.message ?? '', /runsc/);
  const gpu = await t.sibling({ gpus: 'all' }).run({ image: 'localhost/light-sh', entrypoint: 'true' })
    .result;
  assert.equal(gpu.status, 'failed');
  assert.equal(gpu.error?.code, 'START_FAILED');
  assert.match(gpu.error?.message ?? '', /gpu/);
});
