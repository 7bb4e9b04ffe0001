import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { logText, runSync } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
let lr: LightRunProc;

/**
 * Docker's default capability set minus the ones light-runner documents as dropped
 * (NET_RAW, MKNOD, SYS_CHROOT, SETPCAP, SETFCAP, AUDIT_WRITE): CHOWN, DAC_OVERRIDE,
 * FOWNER, FSETID, KILL, SETGID, SETUID, NET_BIND_SERVICE.
 */
const EXPECTED_CAPS = [0, 1, 3, 4, 5, 6, 7, 10].reduce((mask, bit) => mask | (1n << BigInt(bit)), 0n);

/** Runs a shell line in localhost/light-sh and returns its log; the run itself must succeed. */
async function inside(entrypoint: string): Promise<string> {
  const { state } = await runSync(lr, { image: 'localhost/light-sh', entrypoint });
  assert.equal(state.status, 'succeeded', JSON.stringify(state));
  return logText(lr, state.id);
}

describe('privilege escalation from inside a run', () => {
  before(async () => {
    lr = await startLightRun();
    track(scope, lr);
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('no_new_privs is set and the effective, bounding and permitted sets are exactly the documented ones', async () => {
    const log = await inside(
      'grep -E "^(NoNewPrivs|CapEff|CapBnd|CapPrm|CapAmb|Seccomp):" /proc/self/status',
    );
    const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)$`, 'm').exec(log)?.[1];
    assert.equal(field('NoNewPrivs'), '1');
    for (const set of ['CapEff', 'CapBnd', 'CapPrm']) {
      assert.equal(BigInt(`0x${field(set)}`), EXPECTED_CAPS, `${set} = ${field(set)}`);
    }
    assert.equal(BigInt(`0x${field('CapAmb')}`), 0n);
    assert.equal(field('Seccomp'), '2', 'the engine seccomp filter is on');
  });

  test('writing to /proc/sys and sysctl fail', async () => {
    const log = await inside(
      'echo 1 > /proc/sys/net/ipv4/ip_forward 2>/dev/null && echo ipfwd=written || echo ipfwd=refused; ' +
        'echo hacked > /proc/sys/kernel/hostname 2>/dev/null && echo host=written || echo host=refused; ' +
        'sysctl -w vm.drop_caches=3 >/dev/null 2>&1 && echo sysctl=written || echo sysctl=refused; ' +
        'echo c > /proc/sysrq-trigger 2>/dev/null && echo sysrq=written || echo sysrq=refused',
    );
    assert.match(log, /^ipfwd=refused$/m);
    assert.match(log, /^host=refused$/m);
    assert.match(log, /^sysctl=refused$/m);
    assert.match(log, /^sysrq=refused$/m);
  });

  test('mount, remount, unshare, chroot, mknod and raw sockets all fail', async () => {
    const log = await inside(
      [
        'mkdir -p /mnt/x',
        'mount -t tmpfs none /mnt/x 2>/dev/null && echo mount=done || echo mount=refused',
        'mount -o remount,rw /proc/sys 2>/dev/null && echo remount=done || echo remount=refused',
        'mount -t proc proc /mnt/x 2>/dev/null && echo proc=done || echo proc=refused',
        'unshare -m true 2>/dev/null && echo unshare=done || echo unshare=refused',
        'chroot / true 2>/dev/null && echo chroot=done || echo chroot=refused',
        'mknod /tmp/mem c 1 1 2>/dev/null && echo mknod=done || echo mknod=refused',
        'ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 && echo ping=done || echo ping=refused',
        'test -e /var/run/docker.sock && echo sock=present || echo sock=absent',
      ].join('; '),
    );
    for (const what of ['mount', 'remount', 'proc', 'unshare', 'chroot', 'mknod', 'ping']) {
      assert.match(log, new RegExp(`^${what}=refused$`, 'm'), `${what}: ${log}`);
    }
    assert.match(log, /^sock=absent$/m);
  });

  test('a setuid-root binary gives an unprivileged user no root (euid stays 65534)', async () => {
    // Without no_new_privs this very line prints euid=0 (checked by hand with plain `docker run`).
    const { state } = await runSync(lr, {
      image: 'localhost/light-python',
      entrypoint:
        'cp /usr/bin/python3.11 /tmp/spy && chmod 4755 /tmp/spy && ' +
        `su -s /bin/sh nobody -c "/tmp/spy -c 'import os; print(\\"euid=%d\\" % os.geteuid())'"`,
    });
    assert.equal(state.status, 'succeeded', JSON.stringify(state));
    assert.match(await logText(lr, state.id), /^euid=65534$/m);
  });
});
