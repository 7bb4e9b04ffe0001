import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

// The rule of the layers, checked on the source itself: npm workspaces link every package
// into the root node_modules, so an undeclared upward import would otherwise still work.
const root = new URL('../..', import.meta.url).pathname;

/** Modules each package must never import (values or types). */
const forbidden: Record<string, { module: RegExp; why: string }[]> = {
  runner: [
    { module: /^light-run$/, why: 'runner is the bottom layer' },
    { module: /^light-process$/, why: 'runner is the bottom layer' },
  ],
  run: [{ module: /^light-process$/, why: 'light-run must not know the orchestrator' }],
  process: [
    { module: /^light-runner$/, why: 'light-process reaches containers only through HTTP' },
    { module: /^dockerode$/, why: 'light-process reaches containers only through HTTP' },
  ],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|js|mjs)$/.test(name) ? [p] : [];
  });
}

/** Every module specifier a file imports, with whether the import is type-only. */
function importsOf(file: string): { specifier: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const patterns = [
    /^\s*(import|export)\s+(type\s+)?[^'"]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const [i, re] of patterns.entries()) {
    for (const m of text.matchAll(re)) {
      if (i === 0) found.push({ specifier: m[3] as string, typeOnly: Boolean(m[2]) });
      else found.push({ specifier: m[1] as string, typeOnly: false });
    }
  }
  return found;
}

for (const [pkg, rules] of Object.entries(forbidden)) {
  test(`packages/${pkg}/src imports nothing from the layers above it`, () => {
    const files = sourceFiles(join(root, 'packages', pkg, 'src'));
    assert.ok(files.length > 0, `no sources found under packages/${pkg}/src`);
    const violations: string[] = [];
    for (const file of files) {
      for (const { specifier, typeOnly } of importsOf(file)) {
        for (const rule of rules) {
          if (rule.module.test(specifier))
            violations.push(`${relative(root, file)} imports ${specifier} (${rule.why})`);
        }
        // process may take light-run's wire types, but a value import would load the runner.
        if (pkg === 'process' && specifier === 'light-run' && !typeOnly) {
          violations.push(`${relative(root, file)} imports light-run at run time (use \`import type\`)`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });
}

test('each package.json declares only the layers below it', () => {
  const deps = (pkg: string) => {
    const json = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
    return Object.keys({ ...json.dependencies, ...json.peerDependencies });
  };
  assert.ok(!deps('runner').some((d) => d === 'light-run' || d === 'light-process'));
  assert.ok(!deps('run').includes('light-process'));
  assert.ok(!deps('process').some((d) => d === 'light-runner' || d === 'dockerode'));
});

test('the layer check itself catches an upward import', () => {
  // Guards the checker against silently matching nothing.
  const sample = join(root, 'test', 'unit', 'layering.test.ts');
  const specs = importsOf(sample).map((i) => i.specifier);
  assert.ok(specs.includes('node:assert/strict'));
});

/**
 * The layers inside packages/process/src, bottom first. A folder imports only from layers of
 * a lower rank; folders of the same rank do not import each other. Files directly in src
 * (the package entries `index.ts` and `server.ts`) sit on top.
 */
const PROCESS_LAYERS: { dir: string; rank: number }[] = [
  { dir: 'definition', rank: 0 },
  { dir: 'validation', rank: 1 },
  { dir: 'helpers', rank: 1 },
  { dir: 'files', rank: 2 },
  { dir: 'engine', rank: 3 },
  { dir: 'adapters/light-run', rank: 4 },
  { dir: 'adapters/memory', rank: 4 },
  { dir: 'sdk', rank: 5 },
  { dir: 'faces/server', rank: 6 },
  { dir: 'faces/remote', rank: 7 },
  { dir: 'faces/cli', rank: 8 },
];
const ENTRY_RANK = 9;

/** The layer of a path relative to packages/process/src, or undefined when it has none. */
function layerOf(path: string): { dir: string; rank: number } | undefined {
  if (!path.includes('/')) return { dir: '(entry)', rank: ENTRY_RANK };
  return PROCESS_LAYERS.find((l) => path.startsWith(`${l.dir}/`));
}

/** Why `from` may not import `to` (both relative to packages/process/src), or undefined when it may. */
function upwardImport(from: string, to: string): string | undefined {
  const a = layerOf(from);
  const b = layerOf(to);
  if (!a) return `${from} is in no layer (add its folder to PROCESS_LAYERS)`;
  if (!b) return `${from} imports ${to}, which is in no layer`;
  if (a.dir === b.dir) return undefined;
  if (b.rank > a.rank) return `${from} (${a.dir}) imports ${to} from the layer above (${b.dir})`;
  if (b.rank === a.rank) return `${from} (${a.dir}) imports ${to} from its sibling layer (${b.dir})`;
  return undefined;
}

test('packages/process/src imports only downward between its layers', () => {
  const src = join(root, 'packages', 'process', 'src');
  const files = sourceFiles(src);
  assert.ok(files.length > 50, 'expected the sources of light-process');
  const violations: string[] = [];
  for (const file of files) {
    const from = relative(src, file);
    const self = upwardImport(from, from);
    if (self) violations.push(self);
    for (const { specifier } of importsOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const to = relative(src, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
      if (to.startsWith('..')) {
        violations.push(`${from} imports ${specifier}, outside packages/process/src`);
        continue;
      }
      const why = upwardImport(from, to);
      if (why) violations.push(why);
    }
  }
  assert.deepEqual(violations, []);
});

test('the process layer rule refuses an upward, a sibling and an unplaced import', () => {
  assert.match(
    upwardImport('definition/errors.ts', 'engine/execute.ts') ?? '',
    /from the layer above \(engine\)/,
  );
  assert.match(upwardImport('faces/server/app.ts', 'faces/cli/main.ts') ?? '', /layer above/);
  assert.match(upwardImport('helpers/lp-js.ts', 'validation/cycles.ts') ?? '', /sibling layer/);
  assert.match(upwardImport('misc/x.ts', 'definition/errors.ts') ?? '', /in no layer/);
  assert.equal(upwardImport('engine/execute.ts', 'definition/errors.ts'), undefined);
  assert.equal(upwardImport('index.ts', 'faces/server/app.ts'), undefined);
});

test('the output channel convention lives in the engine: no adapter names .lp-output.json', () => {
  const adapters = join(root, 'packages', 'process', 'src', 'adapters');
  const naming = sourceFiles(adapters).filter((f) => readFileSync(f, 'utf8').includes('.lp-output.json'));
  assert.deepEqual(
    naming.map((f) => relative(root, f)),
    [],
  );
});
