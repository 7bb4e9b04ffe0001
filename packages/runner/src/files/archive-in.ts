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

/**
 * Packs the request's files into one tar archive, with an entry for every parent
 * directory. Only regular files and directories are written: never links, so nothing
 * placed in the container can point elsewhere. Paths must already be validated.
 */
export async function packFiles(files: Record<string, FileContent>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const mtime = new Date();
  const dirs = new Set<string>();
  for (const raw of Object.keys(files)) {
    for (let dir = posix.dirname(normalizeRelative(raw)); dir !== '.'; dir = posix.dirname(dir))
      dirs.add(dir);
  }
  for (const dir of [...dirs].sort()) {
    pack.entry({ name: `${dir}/`, type: 'directory', mode: DIR_MODE, mtime, uid: 0, gid: 0 });
  }
  for (const [raw, content] of Object.entries(files)) {
    const mode = typeof content === 'object' && content.mode !== undefined ? content.mode : DEFAULT_FILE_MODE;
    const body = fileBytes(content);
    pack.entry(
      { name: normalizeRelative(raw), type: 'file', mode, size: body.length, mtime, uid: 0, gid: 0 },
      body,
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
