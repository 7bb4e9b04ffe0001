#!/usr/bin/env node
// Lints what npm would publish, not the working tree: packs each package into a temp dir,
// checks the file list (a LICENSE, no build info, no source map that points at a file
// left out of the tarball), then runs publint and Are the Types Wrong on the tarball.
// Run by `npm run lint`; needs the packages built (`npm run build`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packages = ['runner', 'run', 'process'];
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Runs a command; returns its output, or throws with it when the command failed. */
function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${output}`);
  return result.stdout;
}

/** Problems in the list of packed files of the package in `dir`. */
function fileListProblems(dir, files) {
  const problems = [];
  const packed = new Set(files);
  if (!packed.has('LICENSE')) problems.push('no LICENSE file');
  for (const file of files) {
    if (file.endsWith('.tsbuildinfo')) problems.push(`${file}: TypeScript build info is not for users`);
    if (!file.endsWith('.map')) continue;
    const map = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const embedded = Array.isArray(map.sourcesContent) && map.sourcesContent.every((c) => c != null);
    if (embedded) continue;
    for (const source of map.sources ?? []) {
      const target = posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? '', source));
      if (!packed.has(target)) problems.push(`${file}: points at ${target}, which is not in the package`);
    }
  }
  return problems;
}

const out = mkdtempSync(join(tmpdir(), 'light-lint-packages-'));
let failed = false;
try {
  for (const name of packages) {
    const dir = join(root, 'packages', name);
    if (!existsSync(join(dir, 'dist')))
      throw new Error(`${dir}/dist is missing: run \`npm run build\` first`);
    const [info] = JSON.parse(
      run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], dir),
    );
    const tarball = join(out, info.filename);
    const problems = fileListProblems(
      dir,
      info.files.map((f) => f.path),
    );
    for (const [tool, args] of [
      ['publint', ['run', tarball, '--strict']],
      ['attw', [tarball, '--profile', 'esm-only', '--no-emoji']],
    ]) {
      try {
        run(bin(tool), args, root);
      } catch (error) {
        problems.push(error.message);
      }
    }
    if (problems.length === 0) {
      console.log(
        `ok   ${info.name}: ${info.files.length} files, ${Math.round(info.size / 1024)} KiB packed`,
      );
    } else {
      failed = true;
      console.error(`FAIL ${info.name} (packages/${name}):`);
      for (const p of problems) console.error(`  ${p.replaceAll('\n', '\n  ')}`);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
