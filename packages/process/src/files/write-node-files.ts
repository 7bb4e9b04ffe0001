import { chmod, lstat, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NodeFile } from '../definition/definitions.ts';
import { fileSystemError, NodeFilesError } from '../definition/errors.ts';
import { MAX_FILE_MODE } from '../definition/file-path.ts';
import { decodeFile } from './file-content.ts';
import { resolveInside, unsafePathReason } from './safe-path.ts';

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fileSystemError('inspect', path, cause);
  }
}

/**
 * Writes a definition's files under a folder. Refuses unsafe paths and never writes
 * through an existing symlink; restores `mode` when present, masked to 0o777.
 */
export async function writeNodeFiles(
  dir: string,
  files: Record<string, NodeFile>,
  subject: { nodeId?: string } = {},
): Promise<void> {
  for (const [path, file] of Object.entries(files)) {
    const target = resolveInside(dir, path);
    if (!target) {
      const reason = unsafePathReason(path) ?? 'escapes the folder';
      throw new NodeFilesError('NODE_FILE_REFUSED', `file '${path}' ${reason}`, {
        ...subject,
        field: `files.${path}`,
      });
    }
    if (await isSymlink(target)) {
      throw new NodeFilesError('NODE_FILE_REFUSED', `${target}: refusing to write through a symlink`, {
        ...subject,
        file: target,
      });
    }
    const { bytes, mode } = decodeFile(file);
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, bytes);
      // Permission bits only: a stored file is never setuid, setgid or sticky, whatever it claims.
      if (mode !== undefined) await chmod(target, mode & MAX_FILE_MODE);
    } catch (cause) {
      throw fileSystemError('write', target, cause);
    }
  }
}
