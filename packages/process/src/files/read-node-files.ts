import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeFile } from '../definition/definitions.ts';
import { fileSystemError, NodeFilesError } from '../definition/errors.ts';
import { encodeFile } from './file-content.ts';
import {
  defaultIgnoreLayer,
  type IgnoreLayer,
  ignoredByLayers,
  isEnvFileName,
  isIgnored,
  readLightignore,
} from './ignore.ts';

/**
 * Default total size limit of one node's files: 512 MiB. Files that do not fit in a
 * `POST /run` body go to light-run as a streamed upload (`POST /uploads`).
 */
export const DEFAULT_MAX_NODE_BYTES = 512 * 1024 * 1024;

/** Options of `readNodeFiles`. */
export interface ReadNodeFilesOptions {
  /** Total size limit of the node's files, in bytes. @default 512 MiB (536870912) */
  maxBytes?: number;
  /** Node (or service) id used in error messages. */
  nodeId?: string;
  /**
   * Ignore rules from outside the node folder (the workflow folder's `.lightignore`), applied
   * after the defaults and before the node folder's own `.lightignore`. @default []
   */
  ignore?: readonly IgnoreLayer[];
  /** Told about every environment file (`.env`, `.env.*`) met, and whether it is shipped. */
  onEnvFile?: (file: string, shipped: boolean) => void;
}

interface Entry {
  path: string;
  absolute: string;
  size: number;
  mode: number;
}

/** Formats a byte count as `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

interface Walk {
  root: string;
  out: Entry[];
  layers: readonly IgnoreLayer[];
  nodeId: string | undefined;
  onEnvFile: ((file: string, shipped: boolean) => void) | undefined;
}

async function walk(w: Walk, rel: string): Promise<void> {
  const { root, out, nodeId } = w;
  const dir = rel === '' ? root : join(root, rel);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw fileSystemError('read the folder', dir, cause);
  }
  for (const name of names.sort()) {
    if (isIgnored(name, rel === '')) continue;
    const path = rel === '' ? name : `${rel}/${name}`;
    const absolute = join(root, path);
    const stat = await lstat(absolute).catch((cause: unknown) => {
      throw fileSystemError('inspect', absolute, cause);
    });
    const envFile = !stat.isDirectory() && isEnvFileName(name);
    if (ignoredByLayers(w.layers, absolute, stat.isDirectory())) {
      if (envFile) w.onEnvFile?.(absolute, false);
      continue;
    }
    if (envFile) w.onEnvFile?.(absolute, true);
    const subject = { file: absolute, ...(nodeId ? { nodeId } : {}) };
    if (stat.isSymbolicLink()) {
      throw new NodeFilesError(
        'NODE_FILE_REFUSED',
        `${absolute}: symlinks are not allowed in a node folder`,
        subject,
      );
    }
    if (stat.isDirectory()) await walk(w, path);
    else if (stat.isFile()) out.push({ path, absolute, size: stat.size, mode: stat.mode });
    else throw new NodeFilesError('NODE_FILE_REFUSED', `${absolute}: not a regular file`, subject);
  }
}

/**
 * Reads every file of a node folder (relative path -> content), skipping the built-in ignore
 * list, `.env` and `.env.*` files, and what `.lightignore` files (gitignore syntax) leave out.
 * Refuses symlinks and special files; binary files are base64-encoded; the execute bit is
 * kept as `mode`; throws `NodeFilesError` naming the biggest files past `maxBytes`.
 */
export async function readNodeFiles(
  dir: string,
  options: ReadNodeFilesOptions = {},
): Promise<Record<string, NodeFile>> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_NODE_BYTES;
  const entries: Entry[] = [];
  const own = await readLightignore(dir);
  const layers = [defaultIgnoreLayer(dir), ...(options.ignore ?? []), ...(own ? [own] : [])];
  await walk({ root: dir, out: entries, layers, nodeId: options.nodeId, onEnvFile: options.onEnvFile }, '');
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  if (total > maxBytes) {
    const biggest = [...entries]
      .sort((a, b) => b.size - a.size)
      .slice(0, 3)
      .map((e) => `${e.path} (${formatBytes(e.size)})`)
      .join(', ');
    const who = options.nodeId ? `node '${options.nodeId}' (${dir})` : dir;
    throw new NodeFilesError(
      'NODE_FILES_TOO_LARGE',
      `${who}: files total ${formatBytes(total)}, over the ${formatBytes(maxBytes)} limit; biggest: ${biggest}`,
      {
        file: dir,
        ...(options.nodeId ? { nodeId: options.nodeId } : {}),
        details: { totalBytes: total, maxBytes },
      },
    );
  }
  const files: Record<string, NodeFile> = {};
  for (const entry of entries) {
    try {
      files[entry.path] = encodeFile(await readFile(entry.absolute), entry.mode);
    } catch (cause) {
      throw fileSystemError('read', entry.absolute, cause);
    }
  }
  return files;
}
