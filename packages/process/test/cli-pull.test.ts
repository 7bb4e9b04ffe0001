import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type LocalRegistry, startRegistry } from '../../../test/support/registry.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { assertLightBuilt, runLight } from './support/light-bin.ts';

const dir = tempDir('cli-pull');
let registry: LocalRegistry;

before(async () => {
  assertLightBuilt();
  registry = await startRegistry();
});
after(async () => {
  await registry?.[Symbol.asyncDispose]();
  dir[Symbol.dispose]();
});

/** A one-node workflow folder whose node runs `entrypoint` in `image`. */
function workflowUsing(image: string, entrypoint: string): string {
  const root = join(dir.path, randomUUID().slice(0, 8));
  mkdirSync(join(root, 'pulled'), { recursive: true });
  writeFileSync(
    join(root, 'workflow.json'),
    JSON.stringify({ id: 'pull', name: 'Pull', nodes: [{ id: 'pulled', dir: 'pulled' }], links: [] }),
  );
  writeFileSync(
    join(root, 'pulled', '.node.json'),
    JSON.stringify({ id: 'pulled', name: 'Pulled', image, entrypoint }),
  );
  return root;
}

test('light run of a node whose image only a local registry has shows the pull progress on stderr and succeeds', async () => {
  const { reference, marker } = await registry.pushFrom(
    'localhost/light-sh',
    'light-test/sh',
    `cli-${randomUUID().slice(0, 8)}`,
  );
  try {
    const folder = workflowUsing(reference, 'cat /marker');
    const out = await runLight(['run', folder], {
      drop: ['LIGHT_RUN_URL', 'LIGHT_RUN_TOKEN', 'LIGHT_RUN_BIN'],
    });
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.ok(out.stderr.includes(`light-runner: pulling ${reference}: `), out.stderr);
    assert.match(out.stderr, /Pull complete/);
    assert.ok(out.stderr.includes(marker), 'the node ran in the pulled image');
    assert.deepEqual(await registry.containersUsing(reference), []);
  } finally {
    await registry.forget(reference);
  }
});

test('light run of a node whose image tag the registry lacks fails (exit 1) naming the image', async () => {
  const reference = `${registry.host}/light-test/sh:missing-${randomUUID().slice(0, 8)}`;
  const out = await runLight(['run', workflowUsing(reference, 'true')], {
    drop: ['LIGHT_RUN_URL', 'LIGHT_RUN_TOKEN', 'LIGHT_RUN_BIN'],
  });
  assert.equal(out.code, 1, out.stdout + out.stderr);
  assert.ok(out.stderr.includes(reference), out.stderr);
  assert.match(out.stderr, /IMAGE_UNAVAILABLE|unavailable/);
});
