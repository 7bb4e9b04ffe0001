import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Dockerode from 'dockerode';
import { DockerRunner } from '../../packages/runner/src/index.ts';
import { FORK_BOMB } from '../support/hostile.ts';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { containersGone, type RunStateBody, startDetached, waitEnd } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

const scope = leakScope();
const docker = new Dockerode();
let lr: LightRunProc;

/** Hostile bodies, each bounded by a short timeout or a limit. */
const HOSTILE: Record<string, Record<string, unknown>> = {
  forkbomb: { ...FORK_BOMB, timeout: 6_000 },
  memhog: {
    image: 'localhost/light-python',
    entrypoint: 'python3 -c "a=[]\nwhile True: a.append(bytearray(16*1024*1024))"',
    timeout: 60_000,
  },
  spin: { image: 'localhost/light-sh', entrypoint: 'while :; do :; done', timeout: 4_000 },
  flood: {
    image: 'localhost/light-sh',
    entrypoint: 'yes "$(head -c 200 /dev/zero | tr "\\0" f)" | head -c 30000000',
    timeout: 60_000,
  },
  killall: { image: 'localhost/light-sh', entrypoint: 'kill -9 -1; sleep 30', timeout: 4_000 },
  stdinhog: {
    image: 'localhost/light-sh',
    entrypoint: 'cat > /dev/null; sleep 30',
    input: { big: 'x'.repeat(1_000_000) },
    timeout: 4_000,
  },
};

/** A normal run whose output proves files, stdin, env and extract all worked. */
function normal(i: number): Record<string, unknown> {
  return {
    image: i % 3 === 0 ? 'localhost/light-node' : 'localhost/light-sh',
    files: { 'in.txt': `payload-${i}` },
    env: { N: String(i) },
    input: { i },
    entrypoint:
      i % 3 === 0
        ? `node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>require('fs').writeFileSync('out.txt', require('fs').readFileSync('in.txt','utf8')+'/'+JSON.parse(s).i+'/'+process.env.N))"`
        : 'read -r line; printf "%s/%s/%s" "$(cat in.txt)" "$(echo "$line" | sed "s/[^0-9]//g")" "$N" > out.txt',
    extract: ['/app/out.txt'],
    timeout: 120_000,
  };
}

describe('many concurrent runs', () => {
  before(async () => {
    lr = await startLightRun();
    track(scope, lr);
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('50 mixed hostile and normal runs (sync and detached at once): every normal run succeeds with its own output', async () => {
    const kinds = Object.keys(HOSTILE);
    const plan = Array.from({ length: 50 }, (_, i) =>
      i % 4 === 1 ? { kind: kinds[Math.floor(i / 4) % kinds.length] as string, i } : { kind: 'normal', i },
    );
    const baseline = lr.rssKiB();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, lr.rssKiB());
    }, 200);
    const started = Date.now();
    const outcomes = await Promise.all(
      plan.map(async ({ kind, i }) => {
        const body = kind === 'normal' ? normal(i) : (HOSTILE[kind] as Record<string, unknown>);
        let state: RunStateBody;
        if (i % 2 === 0) {
          const res = await lr.post('/run', body);
          assert.equal(res.status, 200, `run ${i} (${kind})`);
          state = (await res.json()) as RunStateBody;
        } else {
          state = await waitEnd(lr, (await startDetached(lr, body)).id, 240_000);
        }
        let output: string | undefined;
        if (kind === 'normal' && state.status === 'succeeded') {
          output = await (await lr.api(`/runs/${state.id}/artifacts/out.txt`)).text();
        }
        return { kind, i, state, output };
      }),
    );
    clearInterval(sampler);
    const elapsed = Date.now() - started;
    for (const { kind, i, state, output } of outcomes) {
      if (kind === 'normal') {
        assert.equal(state.status, 'succeeded', `normal run ${i}: ${JSON.stringify(state)}`);
        assert.equal(output, `payload-${i}/${i}/${i}`, `normal run ${i} output`);
      } else {
        assert.ok(['failed', 'timeout', 'succeeded'].includes(state.status), `${kind} ${i}: ${state.status}`);
      }
    }
    const status = (kind: string) => outcomes.filter((o) => o.kind === kind).map((o) => o.state.status);
    assert.deepEqual(
      status('forkbomb'),
      status('forkbomb').map(() => 'timeout'),
      JSON.stringify(outcomes.filter((o) => o.kind === 'forkbomb').map((o) => o.state)),
    );
    assert.deepEqual(
      status('spin'),
      status('spin').map(() => 'timeout'),
    );
    for (const o of outcomes.filter((o) => o.kind === 'memhog')) {
      assert.equal(o.state.error?.code, 'OUT_OF_MEMORY', `memory hog ${o.i}: ${JSON.stringify(o.state)}`);
    }
    assert.ok(elapsed < 240_000, `took ${elapsed} ms`);
    assert.ok(peak - baseline < 300 * 1024, `light-run RSS grew by ${peak - baseline} KiB`);
    assert.equal((await lr.api('/health')).status, 200);
    for (const { state } of outcomes) await containersGone(state.id, 10_000);
  });
});

describe('concurrent creators of the default network', () => {
  test('three runners racing to create the same default network all run, and exactly one network exists', async () => {
    const name = `hard-race-${randomBytes(4).toString('hex')}`;
    const owner = `hard-race-owner-${randomBytes(4).toString('hex')}`;
    const local = leakScope();
    local.owners.add(owner);
    local.networkPrefixes.add(name);
    using dir = tempDir('hard-race');
    const runners = [0, 1, 2].map(
      (i) =>
        new DockerRunner({
          stateDir: join(dir.path, `state-${i}`),
          artifactsDir: join(dir.path, `artifacts-${i}`),
          owner,
          defaultNetwork: name,
        }),
    );
    try {
      const results = await Promise.all(
        runners.map((r) => r.run({ image: 'localhost/light-sh', entrypoint: 'true' }).result),
      );
      assert.deepEqual(
        results.map((r) => [r.status, r.error?.message]),
        results.map(() => ['succeeded', undefined]),
      );
      const same = (await docker.listNetworks()).filter((n) => n.Name === name);
      assert.equal(same.length, 1, `${same.length} networks named ${name}`);
    } finally {
      for (const r of runners) await r.close().catch(() => undefined);
      for (const n of (await docker.listNetworks()).filter((n) => n.Name === name)) {
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
      }
    }
    await assertNoLeaksOf(local);
  });
});
