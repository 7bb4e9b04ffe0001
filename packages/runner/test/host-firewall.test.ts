import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import Dockerode from 'dockerode';
import { assertNoLeaksOf, leakScope } from '../../../test/support/scoped-leaks.ts';
import type { LogLine } from '../src/index.ts';
import { testRunner } from './support/test-runner.ts';

const docker = new Dockerode();
const t = testRunner('firewall');
const scope = leakScope();
scope.owners.add(t.owner);
scope.networkPrefixes.add('light-test-fw-');
after(async () => {
  await t[Symbol.asyncDispose]();
  await assertNoLeaksOf(scope);
  assert.deepEqual(rulesOf('light-test-fw-'), [], 'no rule of a network of this file is left');
});

/** Our INPUT rules whose comment names `network` (or, with a trailing `-`, any network of that prefix). */
function rulesOf(network: string): string[] {
  return execFileSync('iptables', ['-w', '-S', 'INPUT'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) =>
      network.endsWith('-')
        ? line.includes(`light-runner:${network}`)
        : line.includes(`light-runner:${network}"`),
    );
}

/** Runs `entrypoint` on `networks` and returns its output lines. */
async function output(entrypoint: string, networks?: string[]): Promise<string> {
  const lines: string[] = [];
  const request = { image: 'localhost/light-sh', entrypoint, ...(networks ? { networks } : {}) };
  const result = await t.runner.run(request, { onLog: (l: LogLine) => lines.push(l.line) }).result;
  assert.equal(result.status, 'succeeded', JSON.stringify(result));
  return lines.join('\n');
}

/** Prints `reach=ok` when a TCP connection to the default gateway's `port` is accepted, else `reach=blocked`. */
const reachGateway = (port: number) =>
  `gw=$(ip route | awk '/default/ {print $3}'); if nc -w 2 "$gw" ${port} </dev/null >/dev/null 2>&1; then echo reach=ok; else echo reach=blocked; fi`;

test('enforcement() reports the host firewall as enforced for a root process with a working iptables', async () => {
  assert.equal(process.getuid?.(), 0, 'these tests run as root, as CI does');
  const { hostFirewall } = await t.runner.enforcement();
  assert.equal(hostFirewall.enforced, true, hostFirewall.detail);
  assert.match(hostFirewall.detail, /iptables/);
});

test('a network created by the runner gets a light-runner:<name> INPUT rule, its runs cannot open a connection to a host server on 0.0.0.0, and removing it leaves no rule', async () => {
  const server = createServer((_req, res) => res.end('host-secret\n'));
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as AddressInfo).port;
  const name = `light-test-fw-${randomUUID().slice(0, 8)}`;
  try {
    await t.runner.networks.create(name);
    const info = await docker.getNetwork(name).inspect();
    const bridge = `br-${info.Id.slice(0, 12)}`;
    const rules = rulesOf(name);
    assert.equal(rules.length, 1, rules.join('\n'));
    assert.match(rules[0] ?? '', new RegExp(`-i ${bridge} .*-j REJECT`));
    // Creating it again (it exists) adds no duplicate.
    await t.runner.networks.create(name);
    assert.equal(rulesOf(name).length, 1);

    assert.match(await output(reachGateway(port), [name]), /^reach=blocked$/m);
    await t.runner.networks.remove(name);
    assert.deepEqual(rulesOf(name), []);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await t.runner.networks.removeIfUnused(name);
  }
});

test('the default network is guarded from its first run on, and close() removes its rule with it', async () => {
  const defaultNetwork = `light-test-fw-own-${randomUUID().slice(0, 8)}`;
  await using own = testRunner('firewall-default', { defaultNetwork });
  scope.owners.add(own.owner);
  const server = createServer((_req, res) => res.end('host-secret\n'));
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as AddressInfo).port;
  try {
    assert.deepEqual(rulesOf(defaultNetwork), []);
    const lines: string[] = [];
    const result = await own.runner.run(
      { image: 'localhost/light-sh', entrypoint: reachGateway(port) },
      { onLog: (l: LogLine) => lines.push(l.line) },
    ).result;
    assert.equal(result.status, 'succeeded', JSON.stringify(result));
    assert.ok(lines.includes('reach=blocked'), lines.join('\n'));
    assert.equal(rulesOf(defaultNetwork).length, 1);
    await own.runner.close();
    assert.deepEqual(rulesOf(defaultNetwork), []);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('reapOrphans() removes the rule of a runner network that was removed behind its back', async () => {
  const name = `light-test-fw-gone-${randomUUID().slice(0, 8)}`;
  await t.runner.networks.create(name);
  assert.equal(rulesOf(name).length, 1);
  await docker.getNetwork(name).remove();
  assert.equal(rulesOf(name).length, 1, 'the rule outlives a removal the runner did not see');
  await t.runner.reapOrphans();
  assert.deepEqual(rulesOf(name), []);
});
