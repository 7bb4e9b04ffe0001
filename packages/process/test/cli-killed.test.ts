import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { assertNoLeaks, listLeftovers } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';

const BIN = new URL('../bin/light.js', import.meta.url).pathname;

after(async () => {
  await assertNoLeaks();
});

/** Polls `check` until it holds or `timeoutMs` passes; returns whether it held. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

test('light run killed with SIGKILL in all-in-one mode leaves no container, network, light-run or temp dir', async () => {
  using dir = tempDir('killed');
  const wf = join(dir.path, 'wf');
  mkdirSync(join(wf, 'sleeper'), { recursive: true });
  writeFileSync(
    join(wf, 'workflow.json'),
    JSON.stringify({
      id: 'killed',
      nodes: [{ id: 'sleeper', dir: 'sleeper' }],
      networkDefs: [{ alias: 'net' }],
      services: [{ id: 'svc', image: 'light/sh', entrypoint: 'sleep 300', networks: ['net'] }],
    }),
  );
  writeFileSync(
    join(wf, 'sleeper', '.node.json'),
    JSON.stringify({
      id: 'sleeper',
      image: 'light/sh',
      entrypoint: 'echo KILL-ME-NOW; sleep 300',
      networks: ['net'],
    }),
  );
  const { LIGHT_RUN_URL: _u, LIGHT_RUN_TOKEN: _t, ...env } = process.env;
  const before = await listLeftovers();
  const child = spawn(process.execPath, [BIN, 'run', wf], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  // Wait until the node runs: the service, its network and the node container all exist.
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.includes('KILL-ME-NOW')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  // Only what this run added counts, so that resources of anything else on the engine
  // (names differ, ids are random) cannot make the assertions pass or fail.
  const during = await listLeftovers();
  child.kill('SIGKILL');
  const added = (kind: keyof typeof during) =>
    during[kind]
      .map((item) => item.split(' ')[0] as string)
      .filter((item) => !before[kind].some((b) => b.startsWith(item)));
  const mine = { containers: added('containers'), networks: added('networks'), tempDirs: added('tempDirs') };
  assert.ok(started, 'the sleeper node printed its marker');
  assert.equal(mine.containers.length, 2, `service + node containers: ${mine.containers.join(', ')}`);
  assert.ok(
    mine.networks.some((n) => /^lp-.+-net$/.test(n)),
    `run-scoped network among ${mine.networks}`,
  );
  assert.ok(
    mine.tempDirs.some((d) => d.startsWith('light-run-')),
    `light-run data dir among ${mine.tempDirs}`,
  );

  // The local light-run notices its stdin closing, cancels everything and removes what it made.
  const stillThere = async () => {
    const now = await listLeftovers();
    return (Object.keys(mine) as (keyof typeof mine)[]).flatMap((kind) =>
      mine[kind].filter((item) => now[kind].some((n) => n.startsWith(item))),
    );
  };
  const gone = await eventually(async () => (await stillThere()).length === 0, 30_000);
  assert.ok(gone, `left behind: ${(await stillThere()).join(', ')}`);
});
