import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirewallError } from '../../src/errors.ts';
import { bridgeName, HostFirewall, parseRules, ruleSpec } from '../../src/network/host-firewall.ts';
import type { CommandResult, FirewallCommand } from '../../src/network/iptables.ts';

/** A fake iptables over an in-memory INPUT chain that records every call. */
function fakeIptables(options: { failList?: string; failInsert?: string } = {}) {
  const chain: string[][] = [];
  const calls: string[][] = [];
  const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
  const same = (a: string[], b: string[]) => a.join(' ') === b.join(' ');
  const command: FirewallCommand = async (_binary, args) => {
    calls.push(args);
    const [op, , ...rest] = args;
    if (op === '-S') {
      if (options.failList) return { code: 4, stdout: '', stderr: options.failList };
      return ok(['-P INPUT ACCEPT', ...chain.map((r) => `-A INPUT ${r.join(' ')}`)].join('\n'));
    }
    if (op === '-C') return chain.some((r) => same(r, rest)) ? ok() : { code: 1, stdout: '', stderr: 'no' };
    if (op === '-I') {
      if (options.failInsert) return { code: 2, stdout: '', stderr: options.failInsert };
      chain.unshift(rest.slice(1));
      return ok();
    }
    if (op === '-D') {
      const at = chain.findIndex((r) => same(r, rest));
      if (at < 0) return { code: 1, stdout: '', stderr: 'no such rule' };
      chain.splice(at, 1);
      return ok();
    }
    return { code: 2, stdout: '', stderr: `unexpected ${op}` };
  };
  return { chain, calls, command };
}

const local = {
  mode: 'auto' as const,
  engineEndpoint: '/var/run/docker.sock',
  engineLocal: true,
  isRoot: true,
};

test('bridgeName uses the configured bridge name, else br- and the first 12 characters of the id', () => {
  assert.equal(bridgeName({ Id: '0123456789abcdef0123', Options: {} }), 'br-0123456789ab');
  assert.equal(
    bridgeName({ Id: '0123456789abcdef', Options: { 'com.docker.network.bridge.name': 'docker0' } }),
    'docker0',
  );
});

test('parseRules finds only light-runner rules, with their network, bridge and a spec that deletes them', () => {
  const listing = [
    '-P INPUT ACCEPT',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -i br-aaa -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment --comment "light-runner:net-1" -j REJECT --reject-with icmp-port-unreachable',
    '-A INPUT -i eth0 -m comment --comment "someone else" -j DROP',
  ].join('\n');
  assert.deepEqual(parseRules(listing), [
    {
      network: 'net-1',
      bridge: 'br-aaa',
      spec: [
        '-i',
        'br-aaa',
        '-m',
        'conntrack',
        '!',
        '--ctstate',
        'RELATED,ESTABLISHED',
        '-m',
        'comment',
        '--comment',
        'light-runner:net-1',
        '-j',
        'REJECT',
        '--reject-with',
        'icmp-port-unreachable',
      ],
    },
  ]);
});

test('status is not enforced, with the reason, when not root, when the engine is remote, when iptables fails or when turned off', async () => {
  const cases: [ConstructorParameters<typeof HostFirewall>[0], RegExp][] = [
    [{ ...local, isRoot: false }, /not root/],
    [{ ...local, engineLocal: false, engineEndpoint: 'tcp-host:2375' }, /tcp-host:2375 is not on this host/],
    [
      { ...local, command: fakeIptables({ failList: 'Permission denied (you must be root)' }).command },
      /iptables does not work here: Permission denied/,
    ],
    [{ ...local, mode: 'off' }, /turned off/],
  ];
  for (const [config, reason] of cases) {
    const status = await new HostFirewall({ command: fakeIptables().command, ...config }).status();
    assert.equal(status.enforced, false);
    assert.match(status.detail, reason);
  }
});

test('protect adds one REJECT rule per bridge at the top of INPUT, idempotently, and release removes every duplicate', async () => {
  const fake = fakeIptables();
  const firewall = new HostFirewall({ ...local, command: fake.command, interfaceExists: () => true });
  assert.equal((await firewall.status()).enforced, true);
  await firewall.protect('net-1', 'br-aaa');
  await firewall.protect('net-1', 'br-aaa');
  assert.deepEqual(fake.chain, [ruleSpec('net-1', 'br-aaa')]);
  assert.deepEqual(fake.calls.find((c) => c[0] === '-I')?.slice(0, 3), ['-I', 'INPUT', '1']);
  fake.chain.push(ruleSpec('net-1', 'br-aaa'), ruleSpec('net-2', 'br-bbb'));
  await firewall.release('net-1', 'br-aaa');
  assert.deepEqual(fake.chain, [ruleSpec('net-2', 'br-bbb')]);
});

test('sweep removes the rules whose bridge is gone and keeps the others', async () => {
  const fake = fakeIptables();
  const present = new Set(['br-live']);
  const firewall = new HostFirewall({
    ...local,
    command: fake.command,
    interfaceExists: (n) => present.has(n),
  });
  await firewall.protect('live', 'br-live');
  present.add('br-gone');
  await firewall.protect('gone', 'br-gone');
  present.delete('br-gone');
  assert.deepEqual(await firewall.sweep(), ['gone']);
  assert.deepEqual(
    (await firewall.rules()).map((r) => r.network),
    ['live'],
  );
});

test('a refused insert fails with FIREWALL_FAILED naming the network; an invisible bridge degrades the status instead', async () => {
  const refusing = new HostFirewall({
    ...local,
    command: fakeIptables({ failInsert: 'iptables: No chain/target/match by that name.' }).command,
    interfaceExists: () => true,
  });
  await assert.rejects(refusing.protect('net-x', 'br-x'), (err: unknown) => {
    assert.ok(err instanceof FirewallError);
    assert.equal(err.code, 'FIREWALL_FAILED');
    assert.match(err.message, /network net-x: .*br-x.*No chain/);
    return true;
  });

  const elsewhere = new HostFirewall({
    ...local,
    command: fakeIptables().command,
    interfaceExists: () => false,
  });
  await elsewhere.protect('net-y', 'br-y');
  const status = await elsewhere.status();
  assert.equal(status.enforced, false);
  assert.match(status.detail, /br-y of network net-y is not visible on this host/);
});

test('a firewall that stops holding says so through the injected log, never on stderr', async () => {
  const logged: string[] = [];
  const firewall = new HostFirewall({
    ...local,
    command: fakeIptables().command,
    interfaceExists: () => false,
    log: (line) => logged.push(line),
  });
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on('warning', onWarning);
  try {
    await firewall.protect('net-z', 'br-z');
    // Node emits process warnings on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(logged.length, 1);
  assert.match(logged[0] ?? '', /^light-runner: .*br-z of network net-z is not visible on this host/);
  assert.deepEqual(warnings, []);
});
