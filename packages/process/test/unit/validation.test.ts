import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkflowDefinition } from '../../src/definition/definitions.ts';
import { WorkflowValidationError } from '../../src/definition/errors.ts';
import { assertValidWorkflow } from '../../src/validation/assert-valid.ts';
import { validateWorkflow } from '../../src/validation/validate-workflow.ts';

function wf(patch: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return {
    id: 'wf',
    nodes: [
      { id: 'a', image: 'localhost/light-sh' },
      { id: 'b', image: 'localhost/light-sh' },
      { id: 'c', image: 'localhost/light-sh' },
    ],
    links: [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
    ],
    networkDefs: [],
    services: [],
    ...patch,
  };
}

test('a valid workflow has no problems', () => {
  assert.deepEqual(validateWorkflow(wf()), []);
});

test('duplicate node ids are reported with both positions', () => {
  const def = wf();
  def.nodes.push({ id: 'a', image: 'x' });
  assert.deepEqual(validateWorkflow(def), [
    {
      code: 'DUPLICATE_NODE_ID',
      path: 'nodes[3].id',
      nodeId: 'a',
      message: "nodes[3]: duplicate node id 'a' (already used by nodes[0])",
    },
  ]);
});

test('links to unknown nodes name the link and the missing end', () => {
  const problems = validateWorkflow(
    wf({
      links: [
        { from: 'a', to: 'b' },
        { from: 'x', to: 'y' },
      ],
    }),
  );
  assert.deepEqual(
    problems.map((p) => [p.code, p.path, p.message]),
    [
      ['UNKNOWN_LINK_SOURCE', 'links[1].from', "links[1] (x -> y): unknown source node 'x'"],
      ['UNKNOWN_LINK_TARGET', 'links[1].to', "links[1] (x -> y): unknown target node 'y'"],
    ],
  );
});

test('a cycle without maxIterations is reported with its path', () => {
  const problems = validateWorkflow(
    wf({
      links: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
      ],
    }),
  );
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.code, 'CYCLE_WITHOUT_MAX_ITERATIONS');
  assert.equal(
    problems[0]?.message,
    'cycle a -> b -> c -> a has no maxIterations: set it on the back-link, e.g. links[2] (c -> a)',
  );
  assert.equal(problems[0]?.path, 'links[2].maxIterations');
});

test('a cycle bounded by maxIterations on a back-link is valid, a self-loop too', () => {
  const links = [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'a', maxIterations: 3 },
    { from: 'c', to: 'c', maxIterations: 2 },
  ];
  assert.deepEqual(validateWorkflow(wf({ links })), []);
});

test('maxIterations on a link that closes no cycle is reported', () => {
  const problems = validateWorkflow(wf({ links: [{ from: 'a', to: 'b', maxIterations: 2 }] }));
  assert.deepEqual(
    problems.map((p) => p.message),
    ["links[0] (a -> b): maxIterations is set but the link closes no cycle ('b' never leads back to 'a')"],
  );
});

test('an unknown condition operator and an invalid regex name the link', () => {
  const links = [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c', when: { score: { gtx: 1 }, name: { regex: '[' } } },
  ];
  const problems = validateWorkflow(wf({ links }));
  assert.deepEqual(
    problems.map((p) => p.code),
    ['UNKNOWN_OPERATOR', 'INVALID_REGEX'],
  );
  assert.equal(problems[0]?.message, "links[1] (b -> c): unknown operator 'gtx' on field 'score'");
});

test('an invalid JSON Schema in inputs names the node', () => {
  const def = wf();
  def.nodes[1] = { id: 'b', image: 'x', inputs: { type: 'strnig' } };
  const [p, ...rest] = validateWorkflow(def, { nodeFiles: { b: 'flow/b/.node.json' } });
  assert.equal(rest.length, 0);
  assert.equal(p?.code, 'INVALID_JSON_SCHEMA');
  assert.equal(p?.path, 'nodes[1].inputs');
  assert.equal(p?.file, 'flow/b/.node.json');
  assert.match(p?.message ?? '', /^node 'b': inputs is not a valid JSON Schema: schema is invalid/);
});

test('duplicate network aliases and service ids are reported; unknown external networks are fine', () => {
  const def = wf({
    networkDefs: [{ alias: 'net' }, { alias: 'net' }],
    services: [
      { id: 'proxy', image: 'x' },
      { id: 'proxy', image: 'y' },
    ],
  });
  def.nodes[0] = { id: 'a', image: 'x', networks: ['net', 'some-external-network'] };
  assert.deepEqual(
    validateWorkflow(def).map((p) => p.message),
    ["networkDefs[1]: duplicate network alias 'net'", "services[1]: duplicate service id 'proxy'"],
  );
});

test('a service template naming an unknown service is reported', () => {
  const svc = (id: string) => `\${service:${id}}`;
  const def = wf({ services: [{ id: 'proxy', image: 'x' }] });
  def.nodes[0] = {
    id: 'a',
    image: 'x',
    providesEnv: { OK: `http://${svc('proxy')}:80`, BAD: svc('nope') },
  };
  assert.deepEqual(validateWorkflow(def), [
    {
      code: 'UNKNOWN_SERVICE',
      path: 'nodes[0].providesEnv.BAD',
      nodeId: 'a',
      message: `node 'a': providesEnv.BAD names unknown service 'nope' in ${svc('nope')}`,
    },
  ]);
});

test('schema errors become INVALID_FIELD problems naming the field', () => {
  const problems = validateWorkflow(
    { id: 'wf', nodes: [{ id: 'a', image: 'x', timeout: 'soon' }] },
    { file: 'w.json' },
  );
  assert.deepEqual(problems, [
    {
      code: 'INVALID_FIELD',
      path: 'nodes[0].timeout',
      message: 'nodes[0].timeout: expected a number, got string',
      file: 'w.json',
    },
  ]);
});

test('assertValidWorkflow throws a WorkflowValidationError listing every problem', () => {
  const def = wf({
    links: [
      { from: 'a', to: 'zz' },
      { from: 'b', to: 'b' },
    ],
  });
  assert.throws(
    () => assertValidWorkflow(def),
    (e: unknown) => {
      assert.ok(e instanceof WorkflowValidationError);
      assert.equal(e.code, 'WORKFLOW_INVALID');
      assert.equal(e.problems.length, 2);
      assert.match(
        e.message,
        /workflow has 2 problem\(s\):\n {2}- links\[0\] \(a -> zz\): unknown target node 'zz'/,
      );
      assert.equal(JSON.stringify(e.toJSON()).includes('stack'), false);
      return true;
    },
  );
  assert.equal(assertValidWorkflow(wf()).id, 'wf');
});

test('a 10,000-node chain with an unbounded back-link is checked without exhausting the stack', () => {
  const nodes = Array.from({ length: 10_000 }, (_, i) => ({ id: `n${i}`, image: 'localhost/light-sh' }));
  const links = nodes.slice(1).map((node, i) => ({ from: `n${i}`, to: node.id }));
  assert.deepEqual(validateWorkflow({ id: 'chain', nodes, links }), []);
  const cyclic = validateWorkflow({ id: 'chain', nodes, links: [...links, { from: 'n9999', to: 'n0' }] });
  assert.equal(cyclic.length, 1);
  assert.match(cyclic[0]?.message ?? '', /^.*cycle n0 -> n1 -> .* -> n9999/);
});
