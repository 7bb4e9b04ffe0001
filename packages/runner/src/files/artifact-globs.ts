import { posix } from 'node:path';
import picomatch from 'picomatch';
import { ArtifactError } from '../errors.ts';
import { normalizeRelative } from './paths.ts';

/** One workdir-relative artifact glob, ready to select the entries of a downloaded archive. */
export interface ArtifactGlob {
  pattern: string;
  /** The part before the first wildcard ('' = the workdir): the one path downloaded for it. */
  base: string;
  /** Regular files it matched so far. */
  matched: number;
  /** Decides on one archive entry; throws ARTIFACT_REFUSED for a symlink the glob reaches. */
  select(path: string, type: string): boolean;
}

const LINK_TYPES = new Set(['symlink', 'link']);

/** Whether a workdir-relative path matches an artifact glob (the one glob grammar of light-runner and light-run). */
export function artifactGlobMatcher(pattern: string): (path: string) => boolean {
  return picomatch(normalizeRelative(pattern));
}

/**
 * Compiles a glob (`*`, `**`, `?`, `[...]`, `{a,b}`; dotfiles only when named) for one run.
 * A link entry that the glob matches, or that stands where the glob must go through
 * (its base directory), is refused rather than skipped: the user named it.
 */
export function compileArtifactGlob(raw: string): ArtifactGlob {
  const pattern = normalizeRelative(raw);
  const scan = picomatch.scan(pattern);
  const base = scan.isGlob ? scan.base : pattern;
  const matches = picomatch(pattern);
  const glob: ArtifactGlob = {
    pattern,
    base,
    matched: 0,
    select(path, type) {
      const on = matches(path);
      if (LINK_TYPES.has(type) && (on || base === path || base.startsWith(`${path}/`))) {
        throw new ArtifactError(
          'ARTIFACT_REFUSED',
          `artifact "${pattern}": ${path} is a ${type === 'link' ? 'hard link' : 'symbolic link'}; artifacts must be regular files`,
          { path },
        );
      }
      if (on && (type === 'file' || type === 'contiguous-file')) glob.matched += 1;
      return on;
    },
  };
  return glob;
}

/** The container path downloaded for a glob. */
export function globContainerPath(glob: ArtifactGlob, workdir: string): string {
  return glob.base === '' ? workdir : posix.join(workdir, glob.base);
}

/** ARTIFACT_NO_MATCH for the first glob that matched no regular file. */
export function assertEveryGlobMatched(globs: readonly ArtifactGlob[], workdir: string): void {
  const empty = globs.find((g) => g.matched === 0);
  if (empty) {
    throw new ArtifactError(
      'ARTIFACT_NO_MATCH',
      `artifact "${empty.pattern}" matched no regular file under ${workdir}`,
      { path: empty.pattern },
    );
  }
}
