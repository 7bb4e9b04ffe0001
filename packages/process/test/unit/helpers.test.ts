import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../../test/support/temp.ts';
import { lpJsSource } from '../../src/helpers/lp-js.ts';
import { lpPySource } from '../../src/helpers/lp-py.ts';
import { lpTypesPySource } from '../../src/helpers/stub-py.ts';
import { lpTypesTsSource } from '../../src/helpers/stub-ts.ts';

function run(cmd: string, args: string[], cwd: string, stdin: string) {
  const result = spawnSync(cmd, args, { cwd, input: stdin, encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 0, `${cmd} failed: ${result.stderr}`);
  return result;
}

function output(dir: string): unknown {
  return JSON.parse(readFileSync(join(dir, '.lp-output.json'), 'utf8'));
}

const inputs = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Who to greet.' },
    count: { type: 'integer' },
    mode: { enum: ['fast', 'slow'] },
    tags: { type: 'array', items: { type: 'string' } },
    'odd-key': { type: ['number', 'null'] },
  },
  required: ['name'],
};

test('lp.js reads stdin as input and send() writes .lp-output.json (require and import)', () => {
  using dir = tempDir();
  writeFileSync(join(dir.path, 'lp.js'), lpJsSource());
  writeFileSync(
    join(dir.path, 'main.js'),
    "const { input, send } = require('./lp.js'); send({ got: input.name });",
  );
  run('node', ['main.js'], dir.path, '{"name":"Ada"}');
  assert.deepEqual(output(dir.path), { got: 'Ada' });
  writeFileSync(join(dir.path, 'main.mjs'), "import { input, send } from './lp.js'; send({ esm: input });");
  run('node', ['main.mjs'], dir.path, '[1,2]');
  assert.deepEqual(output(dir.path), { esm: [1, 2] });
});

test('lp.js gives {} for empty stdin and rejects a non-object output', () => {
  using dir = tempDir();
  writeFileSync(join(dir.path, 'lp.js'), lpJsSource());
  writeFileSync(join(dir.path, 'main.js'), "const { input, send } = require('./lp.js'); send({ input });");
  run('node', ['main.js'], dir.path, '');
  assert.deepEqual(output(dir.path), { input: {} });
  writeFileSync(join(dir.path, 'bad.js'), "require('./lp.js').send([1]);");
  const bad = spawnSync('node', ['bad.js'], { cwd: dir.path, input: '', encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /send\(\) expects a plain object/);
});

test('lp.py reads stdin as input and send() writes .lp-output.json; empty stdin is {}', () => {
  using dir = tempDir();
  writeFileSync(join(dir.path, 'lp.py'), lpPySource());
  writeFileSync(
    join(dir.path, 'main.py'),
    'from lp import input, send\nsend({"got": input.get("name", "none")})\n',
  );
  run('python3', ['main.py'], dir.path, '{"name":"Grace"}');
  assert.deepEqual(output(dir.path), { got: 'Grace' });
  run('python3', ['main.py'], dir.path, '   ');
  assert.deepEqual(output(dir.path), { got: 'none' });
});

test('lp-types.d.ts declares Input from the inputs schema', () => {
  const ts = lpTypesTsSource(inputs);
  assert.match(ts, /export interface Input \{/);
  assert.match(ts, /\/\*\* Who to greet\. \*\/\n {2}name: string;/);
  assert.match(ts, /\n {2}count\?: number;/);
  assert.match(ts, /\n {2}mode\?: "fast" \| "slow";/);
  assert.match(ts, /\n {2}tags\?: Array<string>;/);
  assert.match(ts, /\n {2}"odd-key"\?: number \| null;/);
  assert.match(ts, /\[key: string\]: unknown;/);
  assert.match(lpTypesTsSource(undefined), /export interface Input \{\n {2}\[key: string\]: unknown;\n\}/);
});

test('lp_types.py declares an Input TypedDict that Python accepts', () => {
  using dir = tempDir();
  const py = lpTypesPySource(inputs);
  assert.match(py, /_InputRequired = TypedDict\("_InputRequired", \{"name": str\}\)/);
  assert.match(
    py,
    /_InputOptional = TypedDict\("_InputOptional", \{"count": int, "mode": Literal\["fast", "slow"\], "tags": List\[str\], "odd-key": Union\[float, None\]\}, total=False\)/,
  );
  writeFileSync(join(dir.path, 'lp_types.py'), py);
  const check =
    'from lp_types import Input\nprint(sorted(Input.__required_keys__), sorted(Input.__optional_keys__))';
  const result = run('python3', ['-c', check], dir.path, '');
  assert.equal(result.stdout.trim(), "['name'] ['count', 'mode', 'odd-key', 'tags']");
});
