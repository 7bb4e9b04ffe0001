#!/usr/bin/env node
// Lists the test files and hands them to node's test runner in one run.
// Node 20's `node --test` neither expands quoted globs nor finds .ts files by itself.
// Files run one at a time: the end-to-end suites share one Docker engine on a 2-core
// machine, and the leak check at the end asserts that nothing of the project is left.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const mode = process.argv.includes('--unit')
  ? 'unit'
  : process.argv.includes('--hardening')
    ? 'hardening'
    : process.argv.includes('--packaging')
      ? 'packaging'
      : process.argv.includes('--swarm')
        ? 'swarm'
        : 'all';

function find(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out; // a package without tests yet
  }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const packages = ['runner', 'run', 'process'].map((p) => join(root, 'packages', p, 'test'));
const unit = [...find(join(root, 'test', 'unit')), ...packages.flatMap((d) => find(join(d, 'unit')))];
const e2e = packages.flatMap((d) => find(d).filter((f) => !f.includes('/unit/')));
const hardening = find(join(root, 'test', 'hardening'));
// The installed tarballs, used the way a user does (npm pack, npm ci, npx): needs `npm run build`.
const packaging = find(join(root, 'test', 'packaging'));
const leakCheck = join(root, 'test', 'leak-check.test.ts');
// light-run's swarm backend on a local multi-engine swarm (scripts/swarm-up.sh); not part of
// `all`: it puts the host engine in swarm mode, so it runs on its own (`npm run test:swarm`).
const swarm = find(join(root, 'test', 'swarm'));

const files =
  mode === 'unit'
    ? unit
    : mode === 'hardening'
      ? [...hardening, leakCheck]
      : mode === 'packaging'
        ? [...packaging, leakCheck]
        : mode === 'swarm'
          ? swarm // each suite asserts that its light-run left nothing on the swarm
          : [...unit, ...e2e, ...hardening, ...packaging, leakCheck];

console.log(`running ${files.length} test files (${mode})`);
for (const f of files) console.log(`  ${relative(root, f)}`);

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, LIGHT_TEST: '1' } },
);
let status = result.status ?? 1;
if (mode === 'swarm') {
  // The swarm goes whatever the outcome: the host engine leaves swarm mode, the rig is removed.
  const down = spawnSync('bash', [join(root, 'scripts', 'swarm-down.sh')], { stdio: 'inherit', cwd: root });
  if (down.status !== 0) status = status || 1;
}
process.exit(status);
