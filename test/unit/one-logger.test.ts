import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

// One logger from runner to server: library code reports through the `log` it was given;
// only the bin (light-run's cli/) decides that lines go to stderr.
const root = new URL('../..', import.meta.url).pathname;
const STDERR = /process\.emitWarning|process\.stderr|console\.(?:log|warn|error|info|debug)\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

test('light-runner and light-run library code write to no stream: warnings go through the injected log', () => {
  const offenders: string[] = [];
  for (const pkg of ['runner', 'run']) {
    for (const file of sourceFiles(join(root, 'packages', pkg, 'src'))) {
      const where = relative(root, file);
      if (where.startsWith('packages/run/src/cli')) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          if (STDERR.test(code)) offenders.push(`${where}:${index + 1}: ${line.trim()}`);
        });
    }
  }
  assert.deepEqual(offenders, []);
});
