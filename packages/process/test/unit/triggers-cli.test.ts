import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { assertNoLeaksOf, leakScope } from '../../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../../test/support/temp.ts';
import type { WorkflowDefinition } from '../../src/definition/definitions.ts';
import { describeWorkflow } from '../../src/definition/describe.ts';
import { saveWorkflowToFolder } from '../../src/files/save-workflow.ts';
import { validateWorkflow } from '../../src/validation/validate-workflow.ts';
import { light } from './cli-support.ts';

// `triggers` and `concurrency` in workflow.json: what `light check` refuses and `light describe` shows.

function wf(patch: Partial<WorkflowDefinition>): WorkflowDefinition {
  return {
    id: 'cronned',
    nodes: [{ id: 'a', image: 'localhost/light-sh', entrypoint: 'true' }],
    links: [],
    networkDefs: [],
    services: [],
    ...patch,
  };
}

describe('triggers in light check and light describe', () => {
  const dir = tempDir('triggers-cli');
  after(async () => {
    dir[Symbol.dispose]();
    const scope = leakScope();
    scope.tempPaths.add(dir.path);
    await assertNoLeaksOf(scope);
  });

  test('light check rejects an invalid cron expression, naming the file and the field', async () => {
    const folder = `${dir.path}/bad-cron`;
    await saveWorkflowToFolder(wf({ triggers: [{ schedule: { cron: '61 * * * *' } }] }), folder);
    const result = await light('check', folder);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /triggers\[0\]\.schedule\.cron: invalid cron expression '61 \* \* \* \*'/);
    assert.match(result.stdout, /minute/);
    assert.match(result.stdout, new RegExp(`at ${folder}/workflow\\.json triggers\\[0\\]\\.schedule\\.cron`));
  });

  test('light check rejects a seven-field expression, an unknown timezone and a trigger of neither kind', async () => {
    const problems = validateWorkflow(
      wf({
        triggers: [
          { schedule: { cron: '0 0 0 1 1 * 2030' } },
          { schedule: { cron: '0 * * * *', timezone: 'Mars/Olympus' } },
        ],
      }),
      { file: 'workflow.json' },
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.path, p.file]),
      [
        ['INVALID_CRON', 'triggers[0].schedule.cron', 'workflow.json'],
        ['INVALID_TIMEZONE', 'triggers[1].schedule.timezone', 'workflow.json'],
      ],
    );
    const neither = validateWorkflow({ ...wf({}), triggers: [{}] });
    assert.match(neither[0]?.message ?? '', /triggers\[0\]: a trigger is either/);
    const both = validateWorkflow({
      ...wf({}),
      triggers: [{ schedule: { cron: '* * * * *' }, webhook: { secretEnv: 'X' } }],
    });
    assert.match(both[0]?.message ?? '', /either/);
    const badPolicy = validateWorkflow({ ...wf({}), concurrency: { limit: 0, onLimit: 'later' } });
    assert.deepEqual(
      badPolicy.map((p) => p.path),
      ['concurrency.limit', 'concurrency.onLimit'],
    );
  });

  test('a node env naming its webhook secret, and a second webhook, are problems', () => {
    const problems = validateWorkflow(
      wf({
        nodes: [{ id: 'a', image: 'localhost/light-sh', env: ['HOOK_SECRET'] }],
        triggers: [{ webhook: { secretEnv: 'HOOK_SECRET' } }, { webhook: { secretEnv: 'OTHER' } }],
      }),
    );
    assert.deepEqual(problems.map((p) => p.path).sort(), ['nodes[0].env', 'triggers[1].webhook']);
  });

  test('light describe shows each trigger, the next fire times and the concurrency', async () => {
    const def = wf({
      triggers: [
        { schedule: { cron: '*/15 * * * *', timezone: 'Europe/Paris', catchUp: 'last' } },
        { webhook: { secretEnv: 'HOOK_SECRET' } },
      ],
      concurrency: { limit: 2, onLimit: 'queue' },
    });
    const text = describeWorkflow(def, new Date('2026-06-01T10:07:00Z'));
    assert.match(text, /Triggers \(2\):/);
    assert.match(text, /\[0\] schedule "\*\/15 \* \* \* \*" \(Europe\/Paris\), catch-up last/);
    assert.match(
      text,
      /next: 2026-06-01T10:15:00\.000Z, 2026-06-01T10:30:00\.000Z, 2026-06-01T10:45:00\.000Z/,
    );
    assert.match(text, /\[1\] webhook {2}POST \/hooks\/cronned {2}\(secret from \$HOOK_SECRET\)/);
    assert.match(text, /Concurrency: at most 2 run\(s\) at once; past that: queue/);

    const folder = `${dir.path}/described`;
    await saveWorkflowToFolder(def, folder);
    const json = await light('describe', folder, '--json');
    assert.equal(json.code, 0);
    const out = JSON.parse(json.stdout) as {
      triggers: { kind: string; nextRuns?: string[] }[];
      concurrency: unknown;
    };
    assert.deepEqual(
      out.triggers.map((t) => t.kind),
      ['schedule', 'webhook'],
    );
    assert.equal(out.triggers[0]?.nextRuns?.length, 3);
    assert.ok((out.triggers[0]?.nextRuns?.[0] ?? '') > new Date().toISOString());
    assert.deepEqual(out.concurrency, { limit: 2, onLimit: 'queue' });
    const textOut = await light('describe', folder);
    assert.match(textOut.stdout, /next: \d{4}-/);
  });
});
