// The hardening cases that apply to Swarm tasks: fork bomb, memory hog, escalation and
// network isolation, on the worker engines of scripts/swarm-up.sh.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FORK_BOMB } from '../support/hostile.ts';
import type { LightRunProc } from '../support/light-run-proc.ts';
import { logText, runSync, startDetached, waitEnd, waitForLog } from '../support/run-api.ts';
import { assertNoSwarmLeftovers, type SwarmRig, startSwarmLightRun, swarmUp } from '../support/swarm.ts';

/** Docker's default capabilities minus the ones light-runner drops (as on the local backend). */
const EXPECTED_CAPS = [0, 1, 3, 4, 5, 6, 7, 10].reduce((mask, bit) => mask | (1n << BigInt(bit)), 0n);

/** `name=ok` or `name=blocked` for a TCP connect from busybox nc (2 s each). */
const probe = (name: string, host: string, port: number) =>
  `(echo x | nc -w 2 ${host} ${port} >/dev/null 2>&1 && echo ${name}=ok || echo ${name}=blocked)`;

describe('hardening of Swarm tasks', () => {
  let rig: SwarmRig;
  let lr: LightRunProc;
  let gateway: string;

  before(async () => {
    rig = swarmUp(3);
    lr = await startSwarmLightRun(rig);
    const info = (await (await lr.api('/info')).json()) as { swarm: { registry: string } };
    assert.equal(info.swarm.registry, rig.registry);
    // The rig network's gateway: the host's address that workers reach the registry and
    // the manager on; tasks must not reach it.
    const { execFileSync } = await import('node:child_process');
    gateway = execFileSync(
      'docker',
      ['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'light-swarm-rig'],
      { encoding: 'utf8' },
    ).trim();
  });

  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    if (lr) await assertNoSwarmLeftovers(lr.owner);
  });

  async function inside(entrypoint: string, extra: Record<string, unknown> = {}): Promise<string> {
    const { state } = await runSync(lr, { image: 'localhost/light-sh', entrypoint, ...extra });
    assert.equal(state.status, 'succeeded', JSON.stringify(state));
    return logText(lr, state.id);
  }

  test('a fork bomb is held by the pids limit and ends as timeout; another run meanwhile succeeds', async () => {
    const bomb = await startDetached(lr, { ...FORK_BOMB, timeout: 15_000 });
    await waitForLog(lr, bomb.id, 'armed', 60_000);
    const pids = await inside('cat /sys/fs/cgroup/pids/pids.max');
    assert.match(pids, /^100$/m, 'a task gets the pids limit of 100');
    const end = await waitEnd(lr, bomb.id, 90_000);
    assert.equal(end.status, 'timeout');
    assert.equal(end.error?.code, 'TIMEOUT');
    assert.equal((await lr.api('/health')).status, 200);
  });

  test('a memory hog beyond 512 MiB is killed (exit 137) and the run says why it may have been', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-python',
      entrypoint: 'python3 -c "a=[]\nwhile True: a.append(bytearray(16*1024*1024))"',
      timeout: 90_000,
    });
    assert.equal(state.status, 'failed', JSON.stringify(state));
    assert.equal(state.exitCode, 137);
    assert.equal(state.error?.code, 'KILLED');
    assert.match(state.error?.message ?? '', /memory limit of 536870912 bytes/);
    assert.match(await inside('cat /sys/fs/cgroup/memory/memory.limit_in_bytes'), /^536870912$/m);
  });

  test('no_new_privs, the documented capability sets and seccomp hold on a worker', async () => {
    const log = await inside(
      'grep -E "^(NoNewPrivs|CapEff|CapBnd|CapPrm|CapAmb|Seccomp):" /proc/self/status',
    );
    const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)$`, 'm').exec(log)?.[1];
    assert.equal(field('NoNewPrivs'), '1');
    for (const set of ['CapEff', 'CapBnd', 'CapPrm']) {
      assert.equal(BigInt(`0x${field(set)}`), EXPECTED_CAPS, `${set} = ${field(set)}`);
    }
    assert.equal(BigInt(`0x${field('CapAmb')}`), 0n);
    assert.equal(field('Seccomp'), '2');
  });

  test('mount, unshare, chroot, mknod, raw sockets and /proc/sys writes fail; no engine socket', async () => {
    const log = await inside(
      [
        'mkdir -p /mnt/x',
        'mount -t tmpfs none /mnt/x 2>/dev/null && echo mount=done || echo mount=refused',
        'unshare -m true 2>/dev/null && echo unshare=done || echo unshare=refused',
        'chroot / true 2>/dev/null && echo chroot=done || echo chroot=refused',
        'mknod /tmp/mem c 1 1 2>/dev/null && echo mknod=done || echo mknod=refused',
        'ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 && echo ping=done || echo ping=refused',
        'echo 1 > /proc/sys/net/ipv4/ip_forward 2>/dev/null && echo sysctl=done || echo sysctl=refused',
        'test -e /var/run/docker.sock && echo sock=present || echo sock=absent',
      ].join('; '),
    );
    for (const what of ['mount', 'unshare', 'chroot', 'mknod', 'ping', 'sysctl']) {
      assert.match(log, new RegExp(`^${what}=refused$`, 'm'), `${what}: ${log}`);
    }
    assert.match(log, /^sock=absent$/m);
  });

  test('a setuid-root binary gives an unprivileged user no root', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-python',
      entrypoint:
        'cp /usr/bin/python3.11 /tmp/spy && chmod 4755 /tmp/spy && ' +
        `su -s /bin/sh nobody -c "/tmp/spy -c 'import os; print(\\"euid=%d\\" % os.geteuid())'"`,
    });
    assert.equal(state.status, 'succeeded', JSON.stringify(state));
    assert.match(await logText(lr, state.id), /^euid=65534$/m);
  });

  test("tasks reach neither the rig (host, registry, manager port) nor each other on a worker's default bridge", async () => {
    const [port] = rig.registry.split(':').slice(-1);
    const target = await startDetached(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'hostname -i; echo serving; nc -ll -p 8080 -e echo hi',
      timeout: 120_000,
    });
    const served = await waitForLog(lr, target.id, 'serving', 180_000);
    const address = served
      .split('\n')
      .find((l) => /^\d+\.\d+\.\d+\.\d+/.test(l))
      ?.trim()
      .split(' ')[0];
    try {
      assert.ok(address, `the target printed its address: ${served}`);
      const log = await inside(
        [
          probe('registry', gateway, Number(port)),
          probe('manager', gateway, 2377),
          probe('peer', address, 8080),
        ].join('; '),
      );
      assert.match(log, /^registry=blocked$/m, log);
      assert.match(log, /^manager=blocked$/m, log);
      // The peer may share the prober's worker (icc off) or sit on the other one (no forwarding).
      assert.match(log, /^peer=blocked$/m, log);
      // The listener was still up when probed: the refusal is the network's.
      assert.equal(
        ((await (await lr.api(`/runs/${target.id}`)).json()) as { status: string }).status,
        'running',
      );
    } finally {
      await lr.post(`/runs/${target.id}/cancel`);
      await waitEnd(lr, target.id);
    }
  });

  test("networks ['none'] is refused naming the field; an internal overlay reaches its members and nothing else", async () => {
    const { state: none } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'true',
      networks: ['none'],
    });
    assert.equal(none.status, 'failed');
    assert.equal(none.error?.code, 'INVALID_REQUEST');
    assert.match(none.error?.message ?? '', /networks.*'none' is not available on the swarm backend/);
    const name = `swarm-hard-${Date.now()}`;
    assert.equal((await lr.post('/networks', { name, internal: true })).status, 201);
    let target: { id: string } | undefined;
    try {
      target = await startDetached(lr, {
        image: 'localhost/light-sh',
        networks: [name],
        // busybox nc: -ll keeps listening after each connection (it has no -k).
        entrypoint: 'echo serving; nc -ll -p 8080 -e echo hi',
        timeout: 120_000,
      });
      await waitForLog(lr, target.id, 'serving', 180_000);
      // Service discovery reaches a task on another node after gossip: the member retries.
      const retried = `for i in $(seq 1 20); do echo x | nc -w 2 ${target.id} 8080 >/dev/null 2>&1 && break; sleep 1; done`;
      const member = await inside(
        `${retried}; ${probe('name', target.id, 8080)}; ${probe('registry', gateway, 5117)}`,
        { networks: [name] },
      );
      assert.match(member, /^name=ok$/m, member);
      assert.match(member, /^registry=blocked$/m, member);
      const outsider = await inside(probe('name', target.id, 8080));
      assert.match(outsider, /^name=blocked$/m, outsider);
      // The listener was still up when the outsider probed: its refusal is the network's.
      assert.equal(
        ((await (await lr.api(`/runs/${target.id}`)).json()) as { status: string }).status,
        'running',
      );
    } finally {
      if (target) {
        await lr.post(`/runs/${target.id}/cancel`);
        await waitEnd(lr, target.id);
      }
      // The service's endpoint leaves the overlay asynchronously: retry the delete briefly.
      let status = 0;
      for (let i = 0; i < 40 && status !== 204; i++) {
        status = (await lr.api(`/networks/${name}`, { method: 'DELETE' })).status;
        if (status !== 204) await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(status, 204);
    }
  });
});
