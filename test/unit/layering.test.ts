import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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
