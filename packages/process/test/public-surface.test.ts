import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// These drive the built package (`npx tsc -b` first), resolved by its name the way a user's
// code resolves it: no `light-source` condition, so `exports` points at dist.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const HEAVY = /\/node_modules\/(fastify|better-sqlite3)\//;

/** The CommonJS modules (fastify and better-sqlite3 are CommonJS) a fresh Node has loaded after importing `specifier`. */
function modulesLoadedBy(specifier: string): string[] {
  const script = [
    "import { createRequire } from 'node:module';",
    `await import(${JSON.stringify(specifier)});`,
    'process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageDir,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(out) as string[];
}

describe('one public surface per role', () => {
  before(() => {
    const entries = ['dist/index.js', 'dist/server.js', 'dist/faces/cli/main.js'];
    const missing = entries.filter((e) => !existsSync(new URL(`../${e}`, import.meta.url)));
    if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run \`npm run build\` first`);
  });

  test("import 'light-process' loads neither fastify nor better-sqlite3", () => {
    const loaded = modulesLoadedBy('light-process');
    // ajv is CommonJS too: seeing it shows the check sees what the SDK loads.
    assert.ok(
      loaded.some((m) => m.includes('/node_modules/ajv/')),
      'ajv',
    );
    assert.deepEqual(
      loaded.filter((m) => HEAVY.test(m)),
      [],
    );
  });

  test("import 'light-process/server' loads fastify and better-sqlite3 (the check catches them)", () => {
    const loaded = modulesLoadedBy('light-process/server');
    assert.ok(
      loaded.some((m) => m.includes('/node_modules/fastify/')),
      'fastify',
    );
    assert.ok(
      loaded.some((m) => m.includes('/node_modules/better-sqlite3/')),
      'better-sqlite3',
    );
  });

  test('the light CLI loads the server only when `light serve` runs', () => {
    const loaded = modulesLoadedBy(new URL('../dist/faces/cli/main.js', import.meta.url).href);
    assert.deepEqual(
      loaded.filter((m) => HEAVY.test(m)),
      [],
    );
  });

  test('package.json exports "." and "./server", each with the light-source, types and default conditions', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, Record<string, string>>;
    };
    assert.deepEqual(Object.keys(manifest.exports), ['.', './server']);
    for (const [path, entry] of Object.entries(manifest.exports)) {
      assert.deepEqual(Object.keys(entry), ['light-source', 'types', 'default'], path);
    }
  });
});
