import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import Dockerode from 'dockerode';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import {
  containersGone,
  containersOfRun,
  logText,
  runSync,
  startDetached,
  waitForLog,
} from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
const docker = new Dockerode();
let lr: LightRunProc;
let host: Server;
let hostPort: number;

/** Every IPv4 address of the host (loopback, docker0, the bridges, the uplink). */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a?.family === 'IPv4')
    .map((a) => a?.address as string);
}

/** Shell functions: `get HOST PORT TEXT` succeeds when an HTTP GET answers TEXT; `res NAME` prints its address. */
const FUNCTIONS =
  // busybox wget crashes in this static build; nc and nslookup do the job.
  // `get HOST PORT TEXT [PATH]`
  `get(){ printf "GET \${4:-/} HTTP/1.0\\r\\n\\r\\n" | nc -w 2 "$1" "$2" 2>/dev/null | grep -q "$3"; }; ` +
  `res(){ nslookup "$1" 2>/dev/null | awk '/^Name:/ {n=1} n && /^Address/ {print $NF; exit}'; }`;

/** A shell line that prints `<label>=ok` or `<label>=blocked` for one URL. */
function probe(label: string, host: string, port: number | string, text = 'host-secret', path = '/'): string {
  return `if get ${host} ${port} ${text} ${path}; then echo ${label}=ok; else echo ${label}=blocked; fi`;
}

/** Like {@link probe}, for a host name resolved inside the container. */
function probeName(label: string, name: string, port: number): string {
  return `a=$(res ${name}); if [ -n "$a" ] && get $a ${port} host-secret; then echo ${label}=ok; else echo ${label}=blocked; fi`;
}

/** The address of a run's container on `network` (its only network when not given). */
async function addressOf(runId: string, network?: string): Promise<string> {
  const [info] = await containersOfRun(runId);
  assert.ok(info, `run ${runId} has a container`);
  const inspect = await docker.getContainer(info.Id).inspect();
  const networks = inspect.NetworkSettings.Networks;
  const address = (network ? networks[network] : Object.values(networks)[0])?.IPAddress;
  assert.ok(address, `run ${runId} has an address on ${network}`);
  return address;
}

const server = `mkdir -p www && echo host-secret > www/index.html && echo serving && httpd -f -p 8080 -h www`;

describe('network isolation of runs', () => {
  before(async () => {
    lr = await startLightRun();
    track(scope, lr);
    host = createServer((_req, res) => res.end('host-secret\n'));
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    hostPort = (host.address() as AddressInfo).port;
  });
  after(async () => {
    host?.closeAllConnections();
    await new Promise<void>((r) => (host ? host.close(() => r()) : r()));
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test("networks ['none'] has only loopback and reaches no address at all", async () => {
    const addresses = hostAddresses();
    const targets = addresses.map((a, i) => probe(`h${i}`, a, hostPort));
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      networks: ['none'],
      entrypoint: [
        FUNCTIONS,
        'ip -4 -o addr | grep -v " lo " | wc -l | sed "s/^/ifaces=/"',
        ...targets,
        `if nc -w 2 1.1.1.1 53 </dev/null 2>/dev/null; then echo out=ok; else echo out=blocked; fi`,
      ].join('; '),
    });
    assert.equal(state.status, 'succeeded');
    const log = await logText(lr, state.id);
    assert.match(log, /^ifaces=0$/m);
    assert.doesNotMatch(log, /=ok/, log);
    assert.equal(log.match(/=blocked/g)?.length, addresses.length + 1);
  });

  test("the default network reaches none of the host's loopback services, by 127.0.0.1 or any host address", async () => {
    const lrPort = new URL(lr.url).port;
    const addresses = hostAddresses();
    const targets = [
      FUNCTIONS,
      ...addresses.map((a, i) => probe(`h${i}`, a, hostPort)),
      // light-run itself listens on the host's loopback.
      probe('lr', "$(ip route | awk '/default/ {print $3}')", lrPort, 'docker', '/health'),
      probe('gw', "$(ip route | awk '/default/ {print $3}')", hostPort),
    ];
    const { state } = await runSync(lr, { image: 'localhost/light-sh', entrypoint: targets.join('; ') });
    assert.equal(state.status, 'succeeded');
    const log = await logText(lr, state.id);
    assert.doesNotMatch(log, /=ok/, log);
    assert.equal(log.match(/=blocked/g)?.length, addresses.length + 2);
  });

  test('the default network reaches no host service listening on all interfaces either (host firewall)', async () => {
    const open = createServer((_req, res) => res.end('host-secret\n'));
    await new Promise<void>((r) => open.listen(0, '0.0.0.0', r));
    const port = (open.address() as AddressInfo).port;
    try {
      const addresses = hostAddresses();
      const { state } = await runSync(lr, {
        image: 'localhost/light-sh',
        entrypoint: [
          FUNCTIONS,
          probe('gw', "$(ip route | awk '/default/ {print $3}')", port),
          ...addresses.map((a, i) => probe(`h${i}`, a, port)),
        ].join('; '),
      });
      const log = await logText(lr, state.id);
      assert.match(log, /^gw=blocked$/m);
      assert.doesNotMatch(log, /=ok/, log);
      assert.equal(log.match(/=blocked/g)?.length, addresses.length + 1);
    } finally {
      open.closeAllConnections();
      await new Promise<void>((r) => open.close(() => r()));
    }
  });

  test('two runs on the default network cannot reach each other, by address or by name', async () => {
    const target = await startDetached(lr, {
      image: 'localhost/light-sh',
      entrypoint: server,
      timeout: 60_000,
    });
    await waitForLog(lr, target.id, 'serving');
    const address = await addressOf(target.id);
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: [FUNCTIONS, probe('ip', address, 8080), probeName('name', target.id, 8080)].join('; '),
    });
    const log = await logText(lr, state.id);
    assert.match(log, /^ip=blocked$/m);
    assert.match(log, /^name=blocked$/m);
    assert.equal(
      ((await (await lr.post(`/runs/${target.id}/cancel`)).json()) as { status: string }).status,
      'cancelled',
    );
    await containersGone(target.id);
  });

  test('a named network connects its runs by name, and only them', async () => {
    const name = `hard-net-${randomBytes(4).toString('hex')}`;
    scope.networkPrefixes.add(name);
    const created = await lr.post('/networks', { name });
    assert.equal(created.status, 201);
    assert.deepEqual(await created.json(), { name, created: true });
    const target = await startDetached(lr, {
      image: 'localhost/light-sh',
      networks: [name],
      entrypoint: server,
      timeout: 60_000,
    });
    await waitForLog(lr, target.id, 'serving');
    const address = await addressOf(target.id, name);
    const member = await runSync(lr, {
      image: 'localhost/light-sh',
      networks: [name],
      entrypoint: `${FUNCTIONS}; ${probeName('name', target.id, 8080)}`,
    });
    assert.match(await logText(lr, member.state.id), /^name=ok$/m);
    const outsider = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: [FUNCTIONS, probe('ip', address, 8080), probeName('name', target.id, 8080)].join('; '),
    });
    const outside = await logText(lr, outsider.state.id);
    assert.match(outside, /^ip=blocked$/m);
    assert.match(outside, /^name=blocked$/m);
    const busy = await lr.api(`/networks/${name}`, { method: 'DELETE' });
    assert.equal(busy.status, 409);
    await lr.post(`/runs/${target.id}/cancel`);
    await containersGone(target.id);
    assert.equal((await lr.api(`/networks/${name}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual(await (await lr.api(`/networks/${name}`)).json(), { name, exists: false });
  });
});
