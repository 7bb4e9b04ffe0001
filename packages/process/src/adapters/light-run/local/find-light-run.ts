import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { LightProcessError } from '../../../definition/errors.ts';

/**
 * The path of the `light-run` executable script: the `bin` of the installed `light-run`
 * package (a dependency of light-process). Its package `exports` allow no deep import,
 * so the package folder is found on the module search path and its package.json read.
 */
export function findLightRunBin(): string {
  const require = createRequire(import.meta.url);
  const searched = require.resolve.paths('light-run') ?? [];
  for (const dir of searched) {
    const manifest = join(dir, 'light-run', 'package.json');
    if (!existsSync(manifest)) continue;
    const bin = binOf(manifest);
    const path = resolve(dirname(manifest), bin);
    if (!existsSync(path)) {
      throw new LightProcessError(
        'LOCAL_LIGHT_RUN',
        `the light-run bin ${path} (from ${manifest}) does not exist`,
        {
          file: path,
        },
      );
    }
    return path;
  }
  throw new LightProcessError(
    'LOCAL_LIGHT_RUN',
    `the light-run package is not installed (searched ${searched.length} node_modules folders); install it or set LIGHT_RUN_URL`,
  );
}

function binOf(manifest: string): string {
  let json: { bin?: string | Record<string, string> };
  try {
    json = JSON.parse(readFileSync(manifest, 'utf8')) as typeof json;
  } catch (cause) {
    throw new LightProcessError('LOCAL_LIGHT_RUN', `cannot read ${manifest}`, { file: manifest, cause });
  }
  const bin = typeof json.bin === 'string' ? json.bin : json.bin?.['light-run'];
  if (!bin)
    throw new LightProcessError('LOCAL_LIGHT_RUN', `${manifest} declares no light-run bin`, {
      file: manifest,
    });
  return bin;
}
