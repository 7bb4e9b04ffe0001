import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../../../../test/support/temp.ts';
import { LightProcessError } from '../../src/definition/errors.ts';
import { filesMapProblems } from '../../src/definition/file-path.ts';
import { resolveEnvNames, resolveWorkflowEnv } from '../../src/engine/env-policy.ts';
import { acceptedHosts, hostName } from '../../src/faces/server/browser-guard.ts';
import { checkBodyShape } from '../../src/faces/server/json-body.ts';
import { readLightignore } from '../../src/files/ignore.ts';
import { readNodeFiles } from '../../src/files/read-node-files.ts';

const node = { kind: 'node', id: 'n' } as const;

function envError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof LightProcessError);
    assert.equal(error.code, 'ENV_MISSING');
    return error.message;
  }
  assert.fail('expected ENV_MISSING');
}

describe('env policy', () => {
  test('a plain environment passes every name but LP_API_KEY and LIGHT_RUN_TOKEN', () => {
    const source = { A: 'a', LP_API_KEY: 'k', LIGHT_RUN_TOKEN: 't' };
    assert.deepEqual(resolveEnvNames(node, ['A'], source), { A: 'a' });
    assert.match(
      envError(() => resolveEnvNames(node, ['LP_API_KEY'], source)),
      /node "n" needs LP_API_KEY, which is never passed/,
    );
    assert.match(
      envError(() => resolveEnvNames(node, ['LIGHT_RUN_TOKEN'], source)),
      /LIGHT_RUN_TOKEN, which is never passed/,
    );
    assert.match(
      envError(() => resolveEnvNames(node, ['B'], source)),
      /node "n" needs B, which is not set/,
    );
  });

  test('an allow-list policy: listed names, then the prefix, which wins; never the keys, even listed', () => {
    const policy = {
      source: {
        LISTED: 'l',
        SECRET: 's',
        LP_ENV_FOO: 'prefixed',
        FOO: 'plain',
        LP_ENV_LISTED: 'p2',
        LP_API_KEY: 'k',
      },
      pass: ['LISTED', 'LP_API_KEY'],
      prefix: 'LP_ENV_',
    };
    assert.deepEqual(resolveEnvNames(node, ['FOO', 'LISTED'], policy), { FOO: 'prefixed', LISTED: 'p2' });
    assert.match(
      envError(() => resolveEnvNames(node, ['SECRET'], policy)),
      /SECRET, which is not on this server's allow-list .*LP_ENV_SECRET/,
    );
    assert.match(
      envError(() => resolveEnvNames(node, ['LP_API_KEY'], policy)),
      /never passed/,
    );
  });

  test('a workflow is checked whole: every node and service, each named, before anything runs', () => {
    const definition = {
      id: 'w',
      nodes: [
        { id: 'a', image: 'i', env: ['X'] },
        { id: 'b', image: 'i', env: ['LP_API_KEY'] },
      ],
      links: [],
      networkDefs: [],
      services: [{ id: 's', image: 'i', env: ['Y'] }],
    };
    const message = envError(() => resolveWorkflowEnv(definition, { source: { X: '1' }, pass: ['X'] }));
    assert.match(message, /node "b" needs LP_API_KEY/);
    assert.match(message, /service "s" needs Y/);
    assert.doesNotMatch(message, /node "a"/);
  });
});

describe('file paths of a definition', () => {
  test('unsafe paths, the folder itself, folders, clashes and duplicates are each named', () => {
    const problems = filesMapProblems(['ok.sh', '../x', '/abs', '.', 'dir/', 'a', 'a/b', './ok.sh', 'C:/x']);
    assert.deepEqual(
      problems.map((p) => p.path),
      ['../x', '/abs', '.', 'dir/', 'C:/x', './ok.sh', 'a/b'],
    );
    assert.deepEqual(filesMapProblems(['lib/a.js', 'lib/b.js', 'main.js']), []);
  });

  test('a map of more files or folders than light-run takes is refused whole, before any folder is made', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => `f${i}`);
    assert.deepEqual(filesMapProblems(many), [
      { path: '', message: 'has 10001 files, over the limit of 10000' },
    ]);
    // 1,000 files, each 50 folders deep: a 200 KB body that would make 50,000 folders.
    const deep = Array.from({ length: 1000 }, (_, i) => `x${i}/${'a/'.repeat(49)}f`);
    assert.deepEqual(filesMapProblems(deep), [{ path: '', message: 'needs over 20000 folders, the limit' }]);
  });
});

describe('.lightignore and .env', () => {
  test('defaults, the workflow file and the node file layer like nested .gitignore files', async () => {
    await using dir = tempDir('lightignore');
    const put = (path: string, text = 'x') => {
      mkdirSync(dirname(join(dir.path, path)), { recursive: true });
      writeFileSync(join(dir.path, path), text);
    };
    put('.lightignore', '*.log\nsecret/\n');
    for (const f of [
      'n/.env',
      'n/.env.prod',
      'n/.env.example',
      'n/a.log',
      'n/keep.log',
      'n/secret/k',
      'n/main.sh',
    ])
      put(f);
    put('n/.lightignore', '!.env.example\n!keep.log\n');
    const seen: [string, boolean][] = [];
    const layer = await readLightignore(dir.path);
    assert.ok(layer);
    const files = await readNodeFiles(join(dir.path, 'n'), {
      ignore: [layer],
      onEnvFile: (file, shipped) => seen.push([file.slice(dir.path.length + 1), shipped]),
    });
    assert.deepEqual(Object.keys(files).sort(), ['.env.example', 'keep.log', 'main.sh']);
    assert.deepEqual(seen.sort(), [
      ['n/.env', false],
      ['n/.env.example', true],
      ['n/.env.prod', false],
    ]);
  });
});

describe('light serve edge rules', () => {
  test('Host names: ports stripped, IPv6 kept in brackets, wildcard binds add nothing', () => {
    assert.equal(hostName('LocalHost:3000'), 'localhost');
    assert.equal(hostName('[::1]:3000'), '[::1]');
    assert.equal(hostName('example.com'), 'example.com');
    assert.deepEqual(acceptedHosts('0.0.0.0', []), ['127.0.0.1', 'localhost', '[::1]']);
    assert.deepEqual(acceptedHosts('10.0.0.5', ['lp.internal:443']), [
      '127.0.0.1',
      'localhost',
      '[::1]',
      'lp.internal',
      '10.0.0.5',
    ]);
    assert.equal(acceptedHosts('127.0.0.1', '*'), '*');
  });

  test('body shape: depth past the limit and prototype keys are named; a wide flat body is fine', () => {
    assert.throws(
      () => checkBodyShape(JSON.parse('{"a":{"b":{"c":1}}}'), 2),
      /body\.a\.b: nested deeper than 2 levels/,
    );
    assert.throws(() => checkBodyShape(JSON.parse('{"x":[{"__proto__":1}]}')), /body\.x\[0\]\.__proto__/);
    checkBodyShape({ list: Array.from({ length: 100_000 }, (_, i) => ({ i })), constructor: 'fine' });
  });
});
