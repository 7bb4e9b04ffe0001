import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { type RunStateBody, startDetached, waitForLog } from '../../../test/support/run-api.ts';
import { assertNoLeaksOf, leakScope, reapScope, track } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import type { LeaseState } from '../src/index.ts';

const IMAGE = 'localhost/light-sh';
const scope = leakScope();
const prefix = `lease-${randomBytes(3).toString('hex')}-`;
scope.networkPrefixes.add(prefix);
const docker = new Dockerode();
const procs: LightRunProc[] = [];

async function serve(dataDir?: string): Promise<LightRunProc> {
  const lr = await startLightRun(dataDir === undefined ? {} : { dataDir });
  procs.push(lr);
  return track(scope, lr);
}

async function createLease(lr: LightRunProc, ttlMs: number): Promise<LeaseState> {
  const res = await lr.post('/leases', { ttlMs });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as LeaseState;
}

async function stateOf(lr: LightRunProc, id: string): Promise<RunStateBody> {
  return (await (await lr.api(`/runs/${id}`)).json()) as RunStateBody;
}

/** Polls until `check` holds; `withinMs` is a "did not hang" bound. */
async function until(what: string, check: () => Promise<boolean>, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await sleep(200);
  }
}

async function networkExists(name: string): Promise<boolean> {
  return docker
    .getNetwork(name)
    .inspect()
    .then(
      () => true,
      (err: { statusCode?: number }) => (err.statusCode === 404 ? false : Promise.reject(err)),
    );
}

/**
 * Renews `leaseId` every `everyMs` until the returned stop is awaited (a client's heartbeat),
 * so a slow setup on a loaded machine never lets the lease lapse before the test means it to.
 */
function keepAlive(lr: LightRunProc, leaseId: string, everyMs = 300): () => Promise<void> {
  let beating = true;
  const loop = (async () => {
    while (beating) {
      const res = await lr.post(`/leases/${leaseId}/renew`);
      await res.body?.cancel();
      assert.equal(res.status, 200, 'the lease lapsed during setup');
      await sleep(everyMs);
    }
  })();
  return async () => {
    beating = false;
    await loop;
  };
}

const longRun = { image: IMAGE, entrypoint: 'echo up; sleep 300', timeout: 600_000 };

describe('leases: runs and networks tied to a live client', () => {
  after(async () => {
    for (const lr of procs) await lr[Symbol.asyncDispose]();
    try {
      await assertNoLeaksOf(scope);
    } finally {
      await reapScope(scope);
    }
  });

  test('POST /leases answers 201 with id, ttlMs and expiresAt; ttlMs below 1000 is a 400 naming ttlMs', async () => {
    const lr = await serve();
    const before = Date.now();
    const lease = await createLease(lr, 5000);
    assert.equal(lease.ttlMs, 5000);
    assert.ok(lease.id.length > 0);
    const expires = Date.parse(lease.expiresAt);
    assert.ok(expires >= before + 5000 && expires <= Date.now() + 5000, lease.expiresAt);
    const defaulted = await lr.post('/leases', {});
    assert.equal(defaulted.status, 201);
    assert.equal(((await defaulted.json()) as LeaseState).ttlMs, 30_000);
    const bad = await lr.post('/leases', { ttlMs: 10 });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'INVALID_REQUEST');
    assert.match(body.error.message, /^ttlMs/);
    const open = await fetch(`${lr.url}/leases`, { method: 'POST' });
    assert.equal(open.status, 401, 'the lease routes are behind the token');
  });

  test('a lease that is renewed keeps its detached run running past several TTLs', async () => {
    const lr = await serve();
    const lease = await createLease(lr, 2000);
    // The heartbeat starts with the lease, as a client's would; every renewal must be answered 200.
    const answers: number[] = [];
    let beating = true;
    const heartbeat = (async () => {
      while (beating) {
        const res = await lr.post(`/leases/${lease.id}/renew`);
        answers.push(res.status);
        const renewed = (await res.json()) as LeaseState;
        if (res.status === 200)
          assert.ok(Date.parse(renewed.expiresAt) > Date.now(), 'a renewal pushes the expiry ahead');
        await sleep(400);
      }
    })();
    try {
      const run = await startDetached(lr, { ...longRun, lease: lease.id });
      await waitForLog(lr, run.id, 'up');
      await sleep(3 * lease.ttlMs);
      assert.equal(
        (await stateOf(lr, run.id)).status,
        'running',
        'the run outlived 3 TTLs thanks to renewals',
      );
    } finally {
      beating = false;
      await heartbeat;
    }
    assert.ok(answers.length >= 5, `${answers.length} renewals`);
    assert.deepEqual(new Set(answers), new Set([200]), 'every renewal found the lease alive');
    const released = await lr.api(`/leases/${lease.id}`, { method: 'DELETE' });
    assert.equal(released.status, 204);
  });

  test('a lease that stops being renewed gets its detached run cancelled, then its network removed', async () => {
    const lr = await serve();
    const lease = await createLease(lr, 1500);
    const stopRenewing = keepAlive(lr, lease.id);
    const network = `${prefix}expiry`;
    const created = await lr.post('/networks', { name: network, lease: lease.id });
    assert.equal(created.status, 201);
    const run = await startDetached(lr, { ...longRun, networks: [network], lease: lease.id });
    await waitForLog(lr, run.id, 'up');
    await stopRenewing();
    await until('the run being cancelled', async () => (await stateOf(lr, run.id)).status === 'cancelled');
    await until('the network being removed', async () => !(await networkExists(network)));
    const renew = await lr.post(`/leases/${lease.id}/renew`);
    assert.equal(renew.status, 404);
    const body = (await renew.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'LEASE_NOT_FOUND');
    assert.match(body.error.message, new RegExp(lease.id));
    await until('the expiry being logged', async () =>
      new RegExp(`lease ${lease.id} expired.*${run.id}.*${network}`).test(lr.stderr()),
    );
  });

  test('DELETE /leases/:id cancels the lease runs and removes its networks before answering 204', async () => {
    const lr = await serve();
    const lease = await createLease(lr, 60_000);
    const network = `${prefix}delete`;
    assert.equal((await lr.post('/networks', { name: network, lease: lease.id })).status, 201);
    const run = await startDetached(lr, { ...longRun, networks: [network], lease: lease.id });
    const other = await startDetached(lr, longRun);
    await waitForLog(lr, run.id, 'up');
    const res = await lr.api(`/leases/${lease.id}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal((await stateOf(lr, run.id)).status, 'cancelled');
    assert.equal(await networkExists(network), false);
    assert.equal(
      (await stateOf(lr, other.id)).status !== 'cancelled',
      true,
      'a run without the lease goes on',
    );
    const again = await lr.api(`/leases/${lease.id}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    const refused = await lr.post('/run', { ...longRun, detached: true, lease: lease.id });
    assert.equal(refused.status, 404, 'a released lease takes no new runs');
    assert.equal((await lr.post(`/runs/${other.id}/cancel`)).status, 200);
  });

  test('POST /run and POST /networks with an unknown lease answer 404 LEASE_NOT_FOUND naming it, and create nothing', async () => {
    const lr = await serve();
    const ghost = 'no-such-lease';
    const run = await lr.post('/run', { ...longRun, detached: true, lease: ghost });
    assert.equal(run.status, 404);
    const body = (await run.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'LEASE_NOT_FOUND');
    assert.match(body.error.message, /no-such-lease/);
    const sync = await lr.post('/run', { image: IMAGE, entrypoint: 'true', lease: ghost });
    assert.equal(sync.status, 404);
    const network = `${prefix}ghost`;
    const net = await lr.post('/networks', { name: network, lease: ghost });
    assert.equal(net.status, 404);
    assert.equal(((await net.json()) as typeof body).error.code, 'LEASE_NOT_FOUND');
    const { runs } = (await (await lr.api('/runs')).json()) as { runs: RunStateBody[] };
    assert.deepEqual(runs, [], 'no run was recorded');
    assert.equal(await networkExists(network), false);
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.light.owner=${lr.owner}`] }),
    });
    assert.deepEqual(containers, []);
  });

  test('a lease survives a restart of light-run with a fresh TTL, and its expiry then still cancels the re-attached run', async () => {
    using dir = tempDir('lease-restart');
    scope.tempPaths.add(dir.path);
    const first = await serve(dir.path);
    const lease = await createLease(first, 8000);
    const stopRenewing = keepAlive(first, lease.id, 1000);
    const network = `${prefix}restart`;
    assert.equal((await first.post('/networks', { name: network, lease: lease.id })).status, 201);
    const run = await startDetached(first, { ...longRun, networks: [network], lease: lease.id });
    await waitForLog(first, run.id, 'up');
    await stopRenewing();
    await first.stop('SIGTERM');

    const second = await serve(dir.path);
    const renewed = await second.post(`/leases/${lease.id}/renew`);
    assert.equal(renewed.status, 200, 'the lease is known after the restart');
    assert.equal((await stateOf(second, run.id)).status, 'running', 'the detached run was re-attached');
    await until(
      'the run being cancelled',
      async () => (await stateOf(second, run.id)).status === 'cancelled',
    );
    await until('the network being removed', async () => !(await networkExists(network)));
    await second.stop('SIGTERM');
  });

  test('a run whose lease was lost in a crash (lease file gone) is cancelled at the next start', async () => {
    using dir = tempDir('lease-lost');
    scope.tempPaths.add(dir.path);
    const first = await serve(dir.path);
    const lease = await createLease(first, 60_000);
    const run = await startDetached(first, { ...longRun, lease: lease.id });
    await waitForLog(first, run.id, 'up');
    await first.stop('SIGKILL');
    rmSync(join(dir.path, 'leases.json'), { force: true });

    const second = await serve(dir.path);
    assert.equal((await second.post(`/leases/${lease.id}/renew`)).status, 404, 'the lease is gone');
    await until(
      'the orphaned run being cancelled',
      async () => (await stateOf(second, run.id)).status === 'cancelled',
    );
    assert.match(second.stderr(), new RegExp(`cancelled 1 run\\(s\\) whose lease ended: ${run.id}`));
    await second.stop('SIGTERM');
  });
});
