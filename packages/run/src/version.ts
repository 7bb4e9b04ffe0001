import { readFileSync } from 'node:fs';

// src/ and dist/ sit side by side in the package, so the same relative URL works from both.
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The light-run package version, from its package.json. */
export const VERSION: string = manifest.version;
