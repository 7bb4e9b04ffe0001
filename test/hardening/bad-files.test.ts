import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  executeWorkflow,
  InMemoryRunner,
  LightProcessError,
  loadWorkflowFromFolder,
  WorkflowValidationError,
  workflowDefinition,
} from '../../packages/process/src/index.ts';
import { assertNoLeaksOf, leakScope } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

const LIGHT = fileURLToPath(new URL('../../packages/process/bin/light.js', import.meta.url));
const scope = leakScope();
const dirs: { path: string; [Symbol.dispose](): void }[] = [];

/** A workflow folder: `workflow.json` as given (object or raw text) and node folders with `.node.json`. */
function folder(workflow: unknown, nodes: Record<string, unknown> = {}): string {
  const dir = tempDir('hard-wf');
  dirs.push(dir);
  scope.tempPaths.add(dir.path);
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));
  writeFileSync(join(dir.path, 'workflow.json'), text(workflow));
  for (const [name, node] of Object.entries(nodes)) {
    mkdirSync(join(dir.path, name));
    writeFileSync(join(dir.path, name, '.node.json'), text(node));
    writeFileSync(join(dir.path, name, 'run.sh'), 'echo hi\n');
  }
  return dir.path;
}

const node = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  image: 'localhost/light-sh',
  entrypoint: 'sh run.sh',
  ...extra,
});
const two = (
  links: unknown[],
  a: Record<string, unknown> = node('a'),
  b: Record<string, unknown> = node('b'),
) =>
  folder(
    {
      id: 'w',
      nodes: [
        { id: 'a', dir: 'a' },
        { id: 'b', dir: 'b' },
      ],
      links,
    },
    { a, b },
  );

/** Loading must fail with WORKFLOW_FILE_INVALID naming `file` (suffix) and `field`. */
async function loadFails(
  dir: string,
  file: string,
  field: string | undefined,
  message: RegExp,
): Promise<void> {
  await assert.rejects(loadWorkflowFromFolder(dir), (err: unknown) => {
    assert.ok(err instanceof LightProcessError, String(err));
    assert.equal(err.code, 'WORKFLOW_FILE_INVALID');
    assert.equal(err.file, join(dir, file));
    assert.equal(err.field, field);
    assert.ok(err.message.includes(join(dir, file)), `message names the file: ${err.message}`);
    if (field) assert.ok(err.message.includes(`"${field}"`), `message names the field: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

/** A runner that fails the test if the executor ever asks it for anything. */
function untouchable(): InMemoryRunner {
  return new InMemoryRunner(() => {
    throw new Error('a run was started for an invalid workflow');
  });
}

/** Runs the `light` bin (explicit mode at an address where nothing listens: validation must come first). */
function light(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [LIGHT, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, LIGHT_RUN_URL: 'http://127.0.0.1:9', NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bad workflow files and definitions (light-process SDK and CLI)', () => {
  after(async () => {
    for (const d of dirs) d[Symbol.dispose]();
    await assertNoLeaksOf(scope);
  });

  test('malformed workflow.json and .node.json: errors name the file, line:column or field, and what was expected', async () => {
    await loadFails(folder('{"id": "w", nodes: []}'), 'workflow.json', undefined, /:1:13: invalid JSON/);
    await loadFails(
      folder({ id: 'w', nodes: 'a', links: [] }),
      'workflow.json',
      'nodes',
      /expected an array, got string/,
    );
    const nodes = [{ id: 'a', dir: 'a' }];
    await loadFails(
      folder({ id: 'w', nodes, links: [] }, { a: '{"id": "a", "image": ' }),
      'a/.node.json',
      undefined,
      /invalid JSON/,
    );
    await loadFails(
      folder({ id: 'w', nodes, links: [] }, { a: node('a', { image: 5 }) }),
      'a/.node.json',
      'image',
      /expected a string, got number/,
    );
    await loadFails(
      folder({ id: 'w', nodes, links: [] }, { a: { id: 'a', entrypoint: 'x' } }),
      'a/.node.json',
      'image',
      /is required/,
    );
    await loadFails(
      folder({ id: 'w', nodes, links: [] }, { a: node('a', { timeout: -5 }) }),
      'a/.node.json',
      'timeout',
      />=0/,
    );
  });

  test('cycles without maxIterations, unknown operators, invalid regex and bad schemas are refused before any run', async () => {
    const cases: [string, unknown[], Record<string, unknown> | undefined, string, string][] = [
      [
        'cycle',
        [
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
        ],
        undefined,
        'CYCLE_WITHOUT_MAX_ITERATIONS',
        'links[1].maxIterations',
      ],
      [
        'operator',
        [{ from: 'a', to: 'b', when: { n: { like: 1 } } }],
        undefined,
        'UNKNOWN_OPERATOR',
        'links[0].when.n.like',
      ],
      [
        'regex',
        [{ from: 'a', to: 'b', when: { n: { regex: '([a-' } } }],
        undefined,
        'INVALID_REGEX',
        'links[0].when.n.regex',
      ],
      ['schema', [], node('a', { inputs: { type: 'objekt' } }), 'INVALID_JSON_SCHEMA', 'nodes[0].inputs'],
      ['target', [{ from: 'a', to: 'zz' }], undefined, 'UNKNOWN_LINK_TARGET', 'links[0].to'],
    ];
    for (const [label, links, a, code, path] of cases) {
      const definition = await loadWorkflowFromFolder(two(links, a));
      await assert.rejects(executeWorkflow(definition, {}, { runner: untouchable() }), (err: unknown) => {
        assert.ok(err instanceof WorkflowValidationError, `${label}: ${String(err)}`);
        assert.equal(err.code, 'WORKFLOW_INVALID');
        const problem = err.problems.find((p) => p.code === code);
        assert.ok(problem, `${label}: ${JSON.stringify(err.problems)}`);
        assert.equal(problem.path, path);
        return true;
      });
    }
  });

  test('`light check --json` lists each problem with its file and field path, exit 1', () => {
    const dir = two(
      [
        { from: 'a', to: 'b', when: { n: { like: 1 } } },
        { from: 'b', to: 'a' },
        { from: 'a', to: 'b', when: { n: { regex: '([a-' } } },
      ],
      node('a', { inputs: { type: 'objekt' } }),
    );
    const r = light(['check', dir, '--json']);
    assert.equal(r.status, 1, r.stderr);
    const { ok, problems } = JSON.parse(r.stdout) as {
      ok: boolean;
      problems: { code: string; path: string; file: string }[];
    };
    assert.equal(ok, false);
    const where = problems.map(
      (p) => `${p.code} ${p.file.endsWith('.node.json') ? 'a/.node.json' : 'workflow.json'} ${p.path}`,
    );
    assert.deepEqual(where.sort(), [
      'CYCLE_WITHOUT_MAX_ITERATIONS workflow.json links[1].maxIterations',
      'INVALID_JSON_SCHEMA a/.node.json nodes[0].inputs',
      'INVALID_REGEX workflow.json links[2].when.n.regex',
      'UNKNOWN_OPERATOR workflow.json links[0].when.n.like',
    ]);
  });

  test('`light run` of an invalid workflow exits 2 before contacting light-run, naming each file and field', () => {
    const dir = two(
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
      node('a', { inputs: { type: 'objekt' } }),
    );
    const r = light(['run', dir]);
    assert.equal(r.status, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /cannot reach light-run/);
    assert.match(r.stderr, /cycle a -> b -> a has no maxIterations/);
    assert.match(r.stderr, /workflow\.json.*links\[1\]\.maxIterations/);
    assert.match(r.stderr, /a\/\.node\.json.*nodes\[0\]\.inputs/);
    const bad = light(['run', folder('{"id": "w", nodes: []}')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /workflow\.json:1:13: invalid JSON/);
  });

  test('inputs that fail JSON Schema: the workflow input is refused before any run; a node input fails only that node', async () => {
    const definition = workflowDefinition.parse({
      id: 's',
      inputs: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
      nodes: [node('a', { inputs: { type: 'object', properties: { n: { type: 'number', minimum: 10 } } } })],
    });
    for (const input of [{ n: 'x' }, {}, { n: null }]) {
      await assert.rejects(executeWorkflow(definition, input, { runner: untouchable() }), (err: unknown) => {
        assert.ok(err instanceof LightProcessError);
        assert.equal(err.code, 'INPUT_INVALID');
        assert.match(err.message, /^workflow: input/);
        return true;
      });
    }
    await assert.rejects(
      executeWorkflow(definition, [1], { runner: untouchable() }),
      /must be a JSON object/,
    );
    const result = await executeWorkflow(definition, { n: 3 }, { runner: untouchable() });
    assert.equal(result.success, false);
    assert.equal(result.error?.code, 'NODE_FAILED');
    assert.equal(result.error?.nodeId, 'a');
    assert.equal(result.results.a?.error?.code, 'INPUT_INVALID');
    assert.equal(result.results.a?.error?.message, 'node "a": input /n must be >= 10');
  });
});
