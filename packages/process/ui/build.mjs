#!/usr/bin/env node
// Bundles the web UI into dist/ui for `light serve`: index.html, assets/app.js (with dagre
// inlined, so the UI needs no network), assets/app.css and the icon.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = fileURLToPath(new URL('../dist/ui/', import.meta.url));

rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}assets`, { recursive: true });
await build({
  entryPoints: [
    { in: `${here}src/main.ts`, out: 'app' },
    { in: `${here}styles.css`, out: 'app' },
  ],
  outdir: `${out}assets`,
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(`${here}index.html`, `${out}index.html`);
copyFileSync(`${here}favicon.svg`, `${out}assets/favicon.svg`);
console.log(`web UI built into ${out}`);
