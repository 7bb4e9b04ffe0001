import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../../test/support/temp.ts';
import { light } from './cli-support.ts';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

test('--version prints the package version and --help exits 0', async () => {
  const pkg = readJson(new URL('../../package.json', import.meta.url).pathname);
  const version = await light('--version');
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), pkg.version);
  const help = await light('--help');
  assert.equal(help.code, 0);
  for (const cmd of ['init', 'check', 'describe', 'list', 'pack', 'unpack', 'link', 'node']) {
    assert.match(help.stdout, new RegExp(`\\n  ${cmd}\\b`));
  }
  assert.equal((await light('link', '--help')).code, 0);
  assert.equal((await light('node', 'helpers', '--help')).code, 0);
});

test('usage errors exit 2: unknown command, unknown option, bad option value', async () => {
  assert.equal((await light('nope')).code, 2);
  assert.equal((await light('check', '--nope')).code, 2);
  const bad = await light('init', '--lang', 'ruby');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Allowed choices are js, python/);
});

test('light init creates a workflow whose hello node runs with its helper', async () => {
  using tmp = tempDir();
  const dir = join(tmp.path, 'my flow');
  const init = await light('init', dir);
  assert.equal(init.code, 0, init.stderr);
  const wf = readJson(join(dir, 'workflow.json'));
  assert.equal(wf.id, 'my-flow');
  assert.deepEqual(wf.nodes, [{ id: 'hello', name: 'hello', dir: 'hello' }]);
  const node = readJson(join(dir, 'hello', '.node.json'));
  assert.equal(node.image, 'localhost/light-node');
  for (const f of ['index.js', 'lp.js', 'lp-types.d.ts']) assert.ok(existsSync(join(dir, 'hello', f)), f);
  assert.equal((await light('check', dir)).code, 0);
  // What the container does: node index.js with the input on stdin, in the node's workdir.
  const run = spawnSync('node', ['index.js'], {
    cwd: join(dir, 'hello'),
    input: '{"name":"Ada"}',
    encoding: 'utf8',
  });
  assert.equal(run.stdout, 'Hello, Ada!\n');
  assert.deepEqual(readJson(join(dir, 'hello', '.lp-output.json')), { greeting: 'Hello, Ada!' });
  const again = await light('init', dir);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /workflow\.json already exists/);
});

test('light init --node creates a node and registers it in the parent workflow.json', async () => {
  using tmp = tempDir();
  await light('init', tmp.path);
  const py = await light('init', '--node', 'score', '--lang', 'python', '--dir', tmp.path);
  assert.equal(py.code, 0, py.stderr);
  assert.match(py.stdout, /registered in/);
  const wf = readJson(join(tmp.path, 'workflow.json'));
  assert.deepEqual(wf.nodes.at(-1), { id: 'score', name: 'score', dir: 'score' });
  assert.equal(readJson(join(tmp.path, 'score', '.node.json')).image, 'localhost/light-python');
  for (const f of ['main.py', 'lp.py', 'lp_types.py']) assert.ok(existsSync(join(tmp.path, 'score', f)), f);
  const run = spawnSync('python3', ['main.py'], {
    cwd: join(tmp.path, 'score'),
    input: '{}',
    encoding: 'utf8',
  });
  assert.equal(run.stdout, 'Hello, world!\n');

  mkdirSync(join(tmp.path, 'nodes'));
  await light('init', '--node', 'deep', '--dir', join(tmp.path, 'nodes'));
  assert.equal(readJson(join(tmp.path, 'workflow.json')).nodes.at(-1).dir, 'nodes/deep');
  assert.equal((await light('check', tmp.path)).code, 0);
  assert.equal((await light('init', '--node', 'score', '--dir', tmp.path)).code, 2);
  assert.equal((await light('init', '--node', 'bad name', '--dir', tmp.path)).code, 2);
});

test('light check prints problems with their location and exits 1; a missing path exits 2', async () => {
  using tmp = tempDir();
  await light('init', tmp.path);
  const file = join(tmp.path, 'workflow.json');
  writeFileSync(file, JSON.stringify({ ...readJson(file), links: [{ from: 'hello', to: 'ghost' }] }));
  const check = await light('check', tmp.path);
  assert.equal(check.code, 1);
  assert.match(
    check.stdout,
    /error links\[0\] \(hello -> ghost\): unknown target node 'ghost'\n {6}at .*workflow\.json links\[0\]\.to/,
  );
  const json = await light('check', tmp.path, '--json');
  assert.equal(json.code, 1);
  assert.equal(JSON.parse(json.stdout).problems[0].code, 'UNKNOWN_LINK_TARGET');

  writeFileSync(join(tmp.path, 'hello', '.node.json'), '{"id": "hello", "image": 5}');
  const malformed = await light('check', tmp.path);
  assert.equal(malformed.code, 1);
  assert.match(malformed.stdout, /\.node\.json: field "image": expected a string, got number/);
  assert.equal((await light('check', join(tmp.path, 'missing'))).code, 2);
});

test('light check --fix registers node folders, drops stale ones with their links, formats files', async () => {
  using tmp = tempDir();
  await light('init', tmp.path);
  await light('init', '--node', 'extra', '--dir', tmp.path);
  const file = join(tmp.path, 'workflow.json');
  const wf = readJson(file);
  delete wf.name;
  wf.nodes = [wf.nodes[0], { id: 'gone', dir: 'gone' }];
  wf.links = [{ from: 'hello', to: 'gone' }];
  writeFileSync(file, JSON.stringify(wf));
  assert.equal((await light('check', tmp.path)).code, 1);

  const fix = await light('check', tmp.path, '--fix');
  assert.equal(fix.code, 0, fix.stdout);
  for (const expected of [
    "set missing name to '",
    "removed stale node 'gone'",
    'removed link hello -> gone',
    "registered node 'extra' from 'extra'",
    'rewritten in canonical format',
  ]) {
    assert.ok(fix.stdout.includes(expected), `missing "${expected}" in:\n${fix.stdout}`);
  }
  const fixed = readJson(file);
  assert.deepEqual(
    fixed.nodes.map((n: { id: string }) => n.id),
    ['hello', 'extra'],
  );
  assert.deepEqual(fixed.links, []);
  assert.equal(readFileSync(file, 'utf8'), `${JSON.stringify(fixed, null, 2)}\n`);
  const again = await light('check', tmp.path, '--fix');
  assert.doesNotMatch(again.stdout, /fixed/);
});

test('light describe prints text and --mermaid a flowchart with conditions on labels', async () => {
  using tmp = tempDir();
  await light('init', tmp.path);
  await light('init', '--node', 'next', '--dir', tmp.path);
  const link = await light(
    'link',
    tmp.path,
    '--from',
    'hello',
    '--to',
    'next',
    '--when',
    '{"greeting":{"regex":"Ada"}}',
  );
  assert.equal(link.code, 0, link.stderr);
  const text = await light('describe', tmp.path);
  assert.match(text.stdout, /Nodes \(2\):/);
  assert.match(text.stdout, /hello -> next {2}\(when greeting ~ \/Ada\/\)/);
  const mermaid = await light('describe', tmp.path, '--mermaid');
  assert.match(mermaid.stdout, /^flowchart LR\n/);
  assert.match(mermaid.stdout, /n0 -->\|"greeting ~ \/Ada\/"\| n1/);
  assert.equal(JSON.parse((await light('describe', tmp.path, '--json')).stdout).entryNodes[0], 'hello');
});

test('light link adds, replaces and removes links and refuses invalid ones', async () => {
  using tmp = tempDir();
  await light('init', tmp.path);
  await light('init', '--node', 'b', '--dir', tmp.path);
  const links = () => readJson(join(tmp.path, 'workflow.json')).links;
  assert.equal((await light('link', tmp.path, '--from', 'hello', '--to', 'b')).code, 0);
  const update = await light('link', tmp.path, '--from', 'hello', '--to', 'b', '--data', '{"x":1}');
  assert.match(update.stdout, /updated link hello -> b/);
  assert.deepEqual(links(), [{ from: 'hello', to: 'b', data: { x: 1 } }]);

  const cycle = await light('link', tmp.path, '--from', 'b', '--to', 'hello');
  assert.equal(cycle.code, 2);
  assert.match(cycle.stderr, /cycle .* has no maxIterations/);
  assert.equal(
    (await light('link', tmp.path, '--from', 'b', '--to', 'hello', '--max-iterations', '3')).code,
    0,
  );
  assert.equal(links().length, 2);

  const unknown = await light('link', tmp.path, '--from', 'hello', '--to', 'ghost');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown target node 'ghost'/);
  assert.equal((await light('link', tmp.path, '--from', 'hello', '--to', 'b', '--when', '{bad')).code, 2);
  assert.equal(
    (await light('link', tmp.path, '--from', 'hello', '--to', 'b', '--when', '{"s":{"gtx":1}}')).code,
    2,
  );

  assert.equal((await light('link', tmp.path, '--from', 'b', '--to', 'hello', '--remove')).code, 0);
  assert.deepEqual(links(), [{ from: 'hello', to: 'b', data: { x: 1 } }]);
  const none = await light('link', tmp.path, '--from', 'b', '--to', 'hello', '--remove');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no link b -> hello to remove/);
});

test('light pack / unpack delete their source unless --keep', async () => {
  using tmp = tempDir();
  const src = join(tmp.path, 'flow');
  await light('init', src);
  assert.equal((await light('pack', src, '--keep')).code, 0);
  assert.ok(existsSync(src) && existsSync(`${src}.json`));
  const out = join(tmp.path, 'packed.json');
  assert.equal((await light('pack', src, '-o', out)).code, 0);
  assert.equal(existsSync(src), false);
  assert.equal((await light('unpack', out, '-o', join(tmp.path, 'back'), '--keep')).code, 0);
  assert.ok(existsSync(out));
  assert.equal((await light('unpack', out)).code, 0);
  assert.equal(existsSync(out), false);
  assert.ok(existsSync(join(tmp.path, 'packed', 'hello', 'lp.js')));
  assert.equal((await light('check', join(tmp.path, 'packed'))).code, 0);
});

test('light list finds folders and packed files', async () => {
  using tmp = tempDir();
  await light('init', join(tmp.path, 'one'));
  await light('init', join(tmp.path, 'nested', 'two'));
  await light('pack', join(tmp.path, 'nested', 'two'), '-o', join(tmp.path, 'two.json'), '--keep');
  mkdirSync(join(tmp.path, 'broken'));
  writeFileSync(join(tmp.path, 'broken', 'workflow.json'), '{');
  const list = await light('list', tmp.path, '--json');
  assert.equal(list.code, 0);
  const found = JSON.parse(list.stdout) as { id?: string; kind: string; error?: string }[];
  assert.deepEqual(
    found.map((w) => [w.id ?? 'invalid', w.kind]),
    [
      ['invalid', 'folder'],
      ['two', 'folder'],
      ['one', 'folder'],
      ['two', 'packed'],
    ],
  );
  assert.match(found[0]?.error ?? '', /invalid JSON/);
  assert.match((await light('list', tmp.path)).stdout, /one {2}1 node\(s\), 0 link\(s\)/);
});

test('light node schema prints the .node.json JSON Schema; node helpers refreshes the stubs', async () => {
  using tmp = tempDir();
  const schema = await light('node', 'schema');
  assert.equal(schema.code, 0);
  const parsed = JSON.parse(schema.stdout);
  assert.deepEqual(parsed.required, ['id', 'image']);
  assert.equal(parsed.properties.timeout.type, 'integer');

  await light('init', '--node', 'n', '--dir', tmp.path);
  const nodeFile = join(tmp.path, 'n', '.node.json');
  writeFileSync(
    nodeFile,
    JSON.stringify({
      ...readJson(nodeFile),
      inputs: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    }),
  );
  const helpers = await light('node', 'helpers', join(tmp.path, 'n'));
  assert.equal(helpers.code, 0, helpers.stderr);
  assert.match(readFileSync(join(tmp.path, 'n', 'lp-types.d.ts'), 'utf8'), /\n {2}city: string;/);
  assert.equal(existsSync(join(tmp.path, 'n', 'lp.py')), false);
  await light('node', 'helpers', join(tmp.path, 'n'), '--lang', 'python');
  assert.match(readFileSync(join(tmp.path, 'n', 'lp_types.py'), 'utf8'), /\{"city": str\}/);
  assert.equal((await light('node', 'helpers', tmp.path)).code, 2);
});

test('light link and describe work on a packed file as well', async () => {
  using tmp = tempDir();
  await light('init', join(tmp.path, 'f'));
  await light('init', '--node', 'b', '--dir', join(tmp.path, 'f'));
  const file = join(tmp.path, 'f.json');
  await light('pack', join(tmp.path, 'f'), '-o', file);
  const link = await light('link', file, '--from', 'hello', '--to', 'b', '--when', '{"ok":true}');
  assert.equal(link.code, 0, link.stderr);
  assert.deepEqual(readJson(file).links, [{ from: 'hello', to: 'b', when: { ok: true } }]);
  assert.equal(readJson(file).format, 'light-process/workflow@1');
  assert.match((await light('describe', file, '--mermaid')).stdout, /n0 -->\|"ok = true"\| n1/);
});
