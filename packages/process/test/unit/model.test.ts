import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../../test/support/temp.ts';
import { DefinitionError } from '../../src/definition/errors.ts';
import { Schema } from '../../src/definition/schema/schema.ts';
import { Link } from '../../src/sdk/link.ts';
import { Node } from '../../src/sdk/node.ts';
import { Workflow } from '../../src/sdk/workflow.ts';

const hello = new Node({ id: 'hello', image: 'localhost/light-node', entrypoint: 'node index.js' });

test('the builder returns new workflows and leaves the original untouched', () => {
  const empty = new Workflow({ id: 'w', name: 'W' });
  const wf = empty
    .addNode(hello.withFile('index.js', 'x'))
    .addNode({ id: 'b', image: 'localhost/light-sh' })
    .link('hello', 'b', { when: { ok: true } });
  assert.equal(empty.nodes.length, 0);
  assert.deepEqual(
    wf.nodes.map((n) => n.id),
    ['hello', 'b'],
  );
  assert.deepEqual(wf.toJSON().links, [{ from: 'hello', to: 'b', when: { ok: true } }]);
  assert.deepEqual(wf.validate(), []);
  assert.equal(wf.unlink('hello', 'b').links.length, 0);
  assert.equal(wf.removeNode('b').toJSON().links.length, 0);
  assert.equal(wf.links[0]?.matches({ ok: true }), true);
  assert.equal(wf.links[0]?.matches({ ok: false }), false);
});

test('toJSON returns a copy: mutating it does not change the workflow', () => {
  const wf = new Workflow({ id: 'w', nodes: [hello] });
  const json = wf.toJSON();
  const first = json.nodes[0];
  assert.ok(first);
  first.image = 'changed';
  assert.equal(wf.node('hello')?.image, 'localhost/light-node');
  assert.equal(Workflow.from(json).node('hello')?.image, 'changed');
});

test('an invalid definition throws DefinitionError naming the field', () => {
  assert.throws(
    () => new Node({ id: 'x', image: 'i', timeout: -1 }),
    (e: unknown) =>
      e instanceof DefinitionError &&
      e.field === 'timeout' &&
      /invalid node 'x': field "timeout"/.test(e.message),
  );
  assert.throws(() => new Link({ from: 'a b', to: 'c' }), /field "from": ids are 1-64 letters/);
  assert.throws(() => new Workflow({ id: 'w', nodes: [{ id: 'a' } as never] }), /field "nodes\[0\]\.image"/);
});

test('withFile encodes binary content and keeps modes', () => {
  const node = hello.withFile('bin', new Uint8Array([0, 1])).withFile('run.sh', 'echo', { mode: 0o755 });
  assert.deepEqual(node.files.bin, { content: 'AAE=', encoding: 'base64' });
  assert.deepEqual(node.files['run.sh'], { content: 'echo', encoding: 'utf8', mode: 0o755 });
});

test('Schema builds JSON Schema objects; properties are required unless optional', () => {
  const schema = Schema.object(
    {
      name: Schema.string({ minLength: 1 }),
      age: Schema.optional(Schema.integer({ minimum: 0 })),
      tags: Schema.array(Schema.enum(['a', 'b'])),
      ok: Schema.boolean(),
      score: Schema.nullable(Schema.number()),
    },
    { additionalProperties: false },
  );
  assert.deepEqual(schema, {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1 },
      age: { type: 'integer', minimum: 0 },
      tags: { type: 'array', items: { enum: ['a', 'b'] } },
      ok: { type: 'boolean' },
      score: { anyOf: [{ type: 'number' }, { type: 'null' }] },
    },
    required: ['name', 'tags', 'ok', 'score'],
    additionalProperties: false,
  });
  assert.deepEqual(Schema.object({ a: Schema.string() }, { required: [] }), {
    type: 'object',
    properties: { a: { type: 'string' } },
  });
});

test('describe and toMermaid show nodes, conditions and back-links', () => {
  const wf = new Workflow({ id: 'w', name: 'Loop' })
    .addNode(hello)
    .addNode({ id: 'check', name: 'Check it', image: 'localhost/light-python' })
    .link('hello', 'check', { when: { score: { gte: 0.5 } } })
    .link('check', 'hello', { when: { retry: true }, maxIterations: 3 });
  assert.equal(
    wf.toMermaid(),
    [
      'flowchart LR',
      '  n0["hello<br/><small>localhost/light-node</small>"]',
      '  n1["Check it (check)<br/><small>localhost/light-python</small>"]',
      '  n0 -->|"score #gt;= 0.5"| n1',
      '  n1 -.->|"retry = true, max 3x"| n0',
    ].join('\n'),
  );
  const text = wf.describe();
  assert.match(text, /^Loop \(id: w\)/);
  assert.match(text, /hello -> check {2}\(when score >= 0\.5\)/);
  assert.match(text, /check -> hello {2}\(when retry = true; back-link, at most 3x\)/);
  assert.match(text, /Entry nodes: hello/);
});

test('Workflow.save and Workflow.load round-trip a workflow built in code', async () => {
  using tmp = tempDir();
  const wf = new Workflow({ id: 'w', name: 'W' })
    .addNode(hello.withFile('index.js', 'console.log(1)').withFile('data.bin', new Uint8Array([0, 255])))
    .addNode(
      new Node({ id: 'b', image: 'localhost/light-sh', dir: 'steps/b' }).withFile('run.sh', 'echo b', {
        mode: 0o755,
      }),
    )
    .link('hello', 'b', { data: { extra: 1 } });
  await wf.save(join(tmp.path, 'w'));
  const loaded = await Workflow.load(join(tmp.path, 'w'));
  assert.deepEqual(loaded.toJSON(), {
    ...wf.toJSON(),
    nodes: [{ ...wf.toJSON().nodes[0], dir: 'hello' }, wf.toJSON().nodes[1]],
  });
});
