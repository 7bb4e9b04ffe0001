import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import Dockerode from 'dockerode';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { type ErrorBodyJson, runSync } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
const docker = new Dockerode();
const prefix = `hard-refuse-${randomBytes(3).toString('hex')}-`;
scope.networkPrefixes.add(prefix);
const sh = { image: 'localhost/light-sh', entrypoint: 'true' };
let lr: LightRunProc;
let permissive: LightRunProc;
/** A network made with the engine's API directly, as `docker network create` makes one. */
let outside: string;

/** Containers (any state) one light-run instance started. */
async function containersOf(instance: LightRunProc): Promise<string[]> {
  const filters = JSON.stringify({ label: [`dev.light.owner=${instance.owner}`] });
  return (await docker.listContainers({ all: true, filters })).map((c) => c.Id);
}

/** How many runs an instance has recorded. */
async function runCount(instance: LightRunProc): Promise<number> {
  return ((await (await instance.api('/runs?limit=1000')).json()) as { runs: unknown[] }).runs.length;
}

/**
 * POSTs a run (synchronous or detached) and asserts the 400 `NETWORK_NOT_ALLOWED` that
 * names the entry and the network, and that nothing was recorded or started for it.
 */
async function refused(
  instance: LightRunProc,
  body: Record<string, unknown>,
  index: number,
  name: string,
  why: RegExp,
) {
  const runsBefore = await runCount(instance);
  const res = await instance.post('/run', body);
  const answer = (await res.json()) as ErrorBodyJson;
  assert.equal(res.status, 400, JSON.stringify(answer));
  assert.equal(answer.error.code, 'NETWORK_NOT_ALLOWED');
  assert.ok(
    answer.error.message.startsWith(`networks.${index}: ${JSON.stringify(name)} is not allowed: `),
    answer.error.message,
  );
  assert.match(answer.error.message, why);
  assert.deepEqual(answer.error.details, {
    issues: [
      { path: `networks.${index}`, message: answer.error.message.slice(`networks.${index}: `.length) },
    ],
  });
  assert.equal(await runCount(instance), runsBefore, 'no run was recorded');
  assert.deepEqual(await containersOf(instance), [], 'no container was started');
}

describe('networks a run may join', () => {
  before(async () => {
    outside = `${prefix}outside`;
    await docker.createNetwork({ Name: outside, Driver: 'bridge' });
    lr = track(scope, await startLightRun());
    permissive = track(scope, await startLightRun({ args: ['--allow-networks', `bridge, ${outside}`] }));
  });
  after(async () => {
    // Networks a failed case left go through light-run, which also drops their firewall rules.
    for (const [instance, name] of [
      [lr, `${prefix}mine`],
      [permissive, `${prefix}theirs`],
    ] as const) {
      await instance?.api(`/networks/${name}`, { method: 'DELETE' }).then((res) => res.body?.cancel());
    }
    await lr?.[Symbol.asyncDispose]();
    await permissive?.[Symbol.asyncDispose]();
    await docker
      .getNetwork(outside)
      .remove()
      .catch(() => undefined);
    await assertNoLeaksOf(scope);
  });

  test('POST /run with networks ["host"] answers 400 NETWORK_NOT_ALLOWED naming host, and starts nothing', async () => {
    await refused(lr, { ...sh, networks: ['host'] }, 0, 'host', /host network/);
  });

  test('POST /run with networks ["bridge"] or ["default"] answers 400 naming the network, and starts nothing', async () => {
    await refused(lr, { ...sh, networks: ['bridge'] }, 0, 'bridge', /docker0/);
    await refused(lr, { ...sh, networks: ['default'] }, 0, 'default', /docker0/);
  });

  test('a detached run (as a workflow service is started) naming host is refused the same way', async () => {
    await refused(
      lr,
      { ...sh, detached: true, entrypoint: 'sleep 30', networks: ['host'] },
      0,
      'host',
      /host/,
    );
  });

  test('a network made by `docker network create` outside light-run is refused, naming it', async () => {
    await refused(lr, { ...sh, networks: [outside] }, 0, outside, /did not create it/);
  });

  test('a network that does not exist is refused, naming it', async () => {
    await refused(
      lr,
      { ...sh, networks: [`${prefix}nowhere`] },
      0,
      `${prefix}nowhere`,
      /no network of that name/,
    );
  });

  test("another light-run's network is refused, and its own networks and default network are accepted", async () => {
    const theirs = `${prefix}theirs`;
    assert.equal((await permissive.post('/networks', { name: theirs })).status, 201);
    const mine = `${prefix}mine`;
    assert.equal((await lr.post('/networks', { name: mine })).status, 201);
    await refused(lr, { ...sh, networks: [mine, theirs] }, 1, theirs, /did not create it/);
    const { status, state } = await runSync(lr, { ...sh, networks: [mine] });
    assert.equal(status, 200);
    assert.equal(state.status, 'succeeded', JSON.stringify(state));
    // The instance's default network exists once a run used it.
    assert.equal((await runSync(lr, sh)).state.status, 'succeeded');
    const own = await runSync(lr, { ...sh, networks: [`${lr.owner}-default`] });
    assert.equal(own.state.status, 'succeeded', JSON.stringify(own.state));
    assert.equal((await lr.api(`/networks/${mine}`, { method: 'DELETE' })).status, 204);
    assert.equal((await permissive.api(`/networks/${theirs}`, { method: 'DELETE' })).status, 204);
  });

  test("a run may not join a network tied to another client's lease (another workflow's run-scoped network)", async () => {
    const victim = (await (await lr.post('/leases', {})).json()) as { id: string };
    const attacker = (await (await lr.post('/leases', {})).json()) as { id: string };
    const scoped = `${prefix}victim-db`;
    assert.equal((await lr.post('/networks', { name: scoped, lease: victim.id })).status, 201);
    await refused(lr, { ...sh, networks: [scoped], lease: attacker.id }, 0, scoped, /another client/);
    await refused(lr, { ...sh, networks: [scoped] }, 0, scoped, /another client/);
    // Re-creating it under another lease (to tie it to the attacker) is refused too.
    const steal = await lr.post('/networks', { name: scoped, lease: attacker.id });
    assert.equal(steal.status, 400);
    assert.equal(((await steal.json()) as ErrorBodyJson).error.code, 'NETWORK_NOT_ALLOWED');
    const own = await runSync(lr, { ...sh, networks: [scoped], lease: victim.id });
    assert.equal(own.state.status, 'succeeded', JSON.stringify(own.state));
    for (const lease of [victim, attacker])
      assert.equal((await lr.api(`/leases/${lease.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await docker.listNetworks({ filters: JSON.stringify({ name: [scoped] }) })).length, 0);
  });

  test('POST /networks and DELETE /networks/:name refuse a network light-run did not create, and leave it alone', async () => {
    for (const res of [
      await lr.post('/networks', { name: outside }),
      await lr.api(`/networks/${outside}`, { method: 'DELETE' }),
    ]) {
      const answer = (await res.json()) as ErrorBodyJson;
      assert.equal(res.status, 400, JSON.stringify(answer));
      assert.equal(answer.error.code, 'NETWORK_NOT_ALLOWED');
      assert.match(answer.error.message, /did not create it/);
    }
    const info = await docker.getNetwork(outside).inspect();
    assert.equal(info.Name, outside, 'the outside network still exists');
    assert.equal(info.Labels?.['dev.light.owner'], undefined, 'and was not adopted');
  });

  test("networks ['none'] stays allowed and the run succeeds", async () => {
    const { status, state } = await runSync(lr, { ...sh, networks: ['none'] });
    assert.equal(status, 200);
    assert.equal(state.status, 'succeeded');
  });

  test('with --allow-networks bridge,<name> the bridge and that network are accepted, host still is not', async () => {
    assert.ok(
      existsSync('/sys/class/net/docker0'),
      "the engine's default bridge docker0 is missing (a second dockerd started with --bridge none in this network namespace removes it): restart dockerd",
    );
    const bridge = await runSync(permissive, { ...sh, networks: ['bridge'] });
    assert.equal(bridge.state.status, 'succeeded', JSON.stringify(bridge.state));
    const listed = await runSync(permissive, { ...sh, networks: [outside] });
    assert.equal(listed.state.status, 'succeeded', JSON.stringify(listed.state));
    await refused(permissive, { ...sh, networks: ['host'] }, 0, 'host', /host network/);
  });
});
