import { constants } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join, posix, resolve, sep } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ContainerError, ExtractTooLargeError } from '../errors.ts';
import type { Artifact } from '../types.ts';
import { mediaTypeOf } from './media-type.ts';
import { artifactPathFor } from './paths.ts';

/** Where and how one downloaded archive is unpacked. */
export interface ExtractTarget {
  /** Normalised absolute container path the archive was requested for. */
  containerPath: string;
  /** The run's workdir, to make artifact paths relative to it. */
  workdir: string;
  /** The run's artifact directory on the host. */
  destDir: string;
  /** Cap per extracted entry, in bytes. */
  maxBytes: number;
  /** What all the entries of the run may still take, in bytes; shared by every archive of the run. */
  budget?: { leftBytes: number };
  /**
   * Which entries to keep, by artifact path and tar entry type; absent: every regular file.
   * May throw to fail the whole extraction (a refused symlink).
   */
  select?: (path: string, type: string) => boolean;
}

// O_NOFOLLOW: even if something replaced a path with a link, we never write through it.
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Unpacks the engine's archive of one container path into the artifact directory.
 * Only regular files are written; symlinks, hardlinks and devices are skipped unread, so a
 * link inside the container can never make the host read or write something else. Every
 * file is streamed to disk and stopped at `maxBytes` (ExtractTooLargeError).
 */
export async function extractArchive(source: Readable, target: ExtractTarget): Promise<Artifact[]> {
  const extract = tar.extract();
  const artifacts: Artifact[] = [];
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract);
  const root = resolve(target.destDir);
  try {
    for await (const entry of extract) {
      const { header } = entry;
      const containerFile = posix.join(posix.dirname(target.containerPath), header.name);
      const path = artifactPathFor(containerFile, target.workdir);
      const kept = target.select ? target.select(path, header.type ?? 'file') : true;
      if (!kept || (header.type !== 'file' && header.type !== 'contiguous-file')) {
        entry.resume();
        continue;
      }
      const hostPath = resolve(root, path);
      if (!hostPath.startsWith(root + sep)) {
        throw new ContainerError(
          'COPY_OUT_FAILED',
          `archive entry ${header.name} escapes the artifact directory`,
          {
            path: header.name,
          },
        );
      }
      const size = header.size ?? 0;
      if (size > target.maxBytes) throw new ExtractTooLargeError(containerFile, target.maxBytes);
      if (target.budget) {
        if (size > target.budget.leftBytes)
          throw new ExtractTooLargeError(containerFile, target.maxBytes, 'run');
        target.budget.leftBytes -= size;
      }
      await writeCapped(entry as unknown as Readable, hostPath, containerFile, target.maxBytes);
      artifacts.push({ path, bytes: header.size ?? 0, type: mediaTypeOf(path) });
    }
  } catch (err) {
    source.destroy();
    extract.destroy();
    throw err;
  }
  return artifacts;
}

async function writeCapped(entry: Readable, hostPath: string, containerFile: string, maxBytes: number) {
  await mkdir(join(hostPath, '..'), { recursive: true });
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(new ExtractTooLargeError(containerFile, maxBytes));
      else callback(null, chunk);
    },
  });
  try {
    const file = await open(hostPath, WRITE_FLAGS, 0o644);
    await pipeline(entry, cap, file.createWriteStream());
  } catch (err) {
    await rm(hostPath, { force: true });
    throw err;
  }
}
