import { readFileSync } from 'node:fs';

/** The version of light-process, from its package.json (same relative path from src/ and dist/). */
export function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const json = JSON.parse(readFileSync(url, 'utf8')) as { version?: string };
  return json.version ?? '0.0.0';
}
