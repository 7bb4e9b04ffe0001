import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadWorkflowWithSources } from '../../src/files/load-workflow.ts';
import { helperFiles } from '../../src/helpers/write-helpers.ts';

// The helpers in examples/ are generated files: a change to the generator without
// `light node helpers` over the examples must fail here.
const examples = fileURLToPath(new URL('../../../../examples', import.meta.url));

test('every helper and stub in examples/ equals what the generator writes for its node', async () => {
  const workflows = readdirSync(examples).filter((name) => existsSync(join(examples, name, 'workflow.json')));
  assert.ok(workflows.length >= 3, `expected the example workflows in ${examples}`);
  let compared = 0;
  for (const name of workflows) {
    const loaded = await loadWorkflowWithSources(join(examples, name));
    for (const node of loaded.definition.nodes) {
      const dir = join(examples, name, node.dir ?? node.id);
      for (const lang of ['js', 'python'] as const) {
        for (const [file, expected] of Object.entries(helperFiles(lang, node))) {
          const path = join(dir, file);
          if (!existsSync(path)) continue;
          compared += 1;
          assert.equal(
            readFileSync(path, 'utf8'),
            expected,
            `${relative(examples, path)} differs from the generator: run \`light node helpers ${relative(join(examples, '..'), dir)}\``,
          );
        }
      }
    }
  }
  assert.ok(compared >= 5, `compared only ${compared} helper files`);
});
