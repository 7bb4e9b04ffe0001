import { posix } from 'node:path';
import tar from 'tar-stream';
import type { FileContent } from '../types.ts';
import { normalizeRelative } from './paths.ts';

/** Mode of uploaded files unless the request gives one. */
export const DEFAULT_FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/** Decodes one request file to bytes. */
export function fileBytes(content: FileContent): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  return Buffer.from(content.content, content.encoding);
}

/** Where `packFiles` places things besides the request's files. */
export interface PackOptions {
  /** Directory (relative to the upload point) the request's files go under. @default the upload point itself */
  root?: string;
  /** Files written relative to the upload point, outside `root` (e.g. the warm pool's entry script). */
  extra?: Record<string, Buffer>;
}

/**
 * Packs the request's files into one tar archive, with an entry for every parent
 * directory (never for `root` itself, so its owner and mode stay as the image made them).
 * Only regular files and directories are written: never links, so nothing placed in the
 * container can point elsewhere. Paths must already be validated.
 */
export async function packFiles(
  files: Record<string, FileContent>,
  options: PackOptions = {},
): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const mtime = new Date();
  const under = (path: string) => (options.root ? `${options.root}/${path}` : path);
  const entries: { name: string; body: Buffer; mode: number }[] = [];
  for (const [raw, content] of Object.entries(files)) {
    const mode = typeof content === 'object' && content.mode !== undefined ? content.mode : DEFAULT_FILE_MODE;
    entries.push({ name: normalizeRelative(raw), body: fileBytes(content), mode });
  }
  const dirs = new Set<string>();
  const parents = (name: string, prefix: (dir: string) => string) => {
    for (let dir = posix.dirname(name); dir !== '.'; dir = posix.dirname(dir)) dirs.add(prefix(dir));
  };
  for (const entry of entries) parents(entry.name, under);
  for (const name of Object.keys(options.extra ?? {})) parents(name, (dir) => dir);
  for (const dir of [...dirs].sort()) {
    pack.entry({ name: `${dir}/`, type: 'directory', mode: DIR_MODE, mtime, uid: 0, gid: 0 });
  }
  const all = [
    ...entries.map((e) => ({ ...e, name: under(e.name) })),
    ...Object.entries(options.extra ?? {}).map(([name, body]) => ({ name, body, mode: DEFAULT_FILE_MODE })),
  ];
  for (const { name, body, mode } of all) {
    pack.entry({ name, type: 'file', mode, size: body.length, mtime, uid: 0, gid: 0 }, body);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
