#!/usr/bin/env node
// Removes every package's dist/ before a build: tsc -b never deletes the output of a source
// file that was moved or deleted, and a stale file would be packed and shipped.
import { rmSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
for (const pkg of ['runner', 'run', 'process']) {
  rmSync(`${root}packages/${pkg}/dist`, { recursive: true, force: true });
}
