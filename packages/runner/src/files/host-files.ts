import { constants, createReadStream } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ContainerError } from '../errors.ts';
import type { HostFiles } from '../types.ts';
import { FILE_MODE_MASK, parentDirectories } from './file-tree.ts';
import { normalizeRelative } from './paths.ts';

const DIR_MODE = 0o755;

/**
 * Streams host files as one tar archive for the engine's archive upload: one directory
 * entry per distinct parent, then each file read from disk as the engine consumes the
 * archive, so a file of any size costs a read buffer, never its size. Every step of every
 * host path is checked with lstat and the file opened with O_NOFOLLOW: a symlink anywhere
 * fails the upload (COPY_IN_FAILED naming the path) instead of reading through it.
 */
export function packHostFiles(sets: readonly HostFiles[]): Readable {
  const out = new PassThrough();
  const pack = tar.pack();
  pack.on('error', (err: Error) => out.destroy(err));
  pipeline(pack, out).catch((err: unknown) => out.destroy(err as Error));
  writeHostEntries(pack, sets).catch((err: unknown) => {
    // The engine reads `out`: the failure reaches it (and the run) through that stream.
    pack.destroy(err as Error);
    out.destroy(err as Error);
  });
  return out;
}

async function writeHostEntries(pack: tar.Pack, sets: readonly HostFiles[]): Promise<void> {
  const mtime = new Date();
  const placed = sets.flatMap((set) =>
    set.paths.map((path) => {
      const rel = normalizeRelative(path);
      const to = set.to === '' ? '' : normalizeRelative(set.to);
      return { host: rel, name: to === '' ? rel : posix.join(to, rel), set };
    }),
  );
  const dirs = [...(parentDirectories(placed.map((p) => p.name)) ?? [])].sort();
  for (const dir of dirs) {
    await entry(pack, { name: `${dir}/`, type: 'directory', mode: DIR_MODE, mtime, uid: 0, gid: 0 });
  }
  for (const file of placed) {
    const handle = await openRegular(file.set.from, file.host);
    try {
      const stat = await handle.stat();
      const header = {
        name: file.name,
        type: 'file' as const,
        size: stat.size,
        mode: stat.mode & FILE_MODE_MASK,
        mtime,
        uid: 0,
        gid: 0,
      };
      if (stat.size === 0) {
        await entry(pack, header, Buffer.alloc(0));
        continue;
      }
      const sink = pack.entry(header as tar.Header);
      // autoClose off: the handle is closed below, once, whatever happened.
      const source = createReadStream('', { fd: handle.fd, autoClose: false, start: 0, end: stat.size - 1 });
      await pipeline(source, sink);
    } finally {
      await handle.close();
    }
  }
  pack.finalize();
}

function entry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body) pack.entry(header as tar.Header, body, done);
    else pack.entry(header as tar.Header, done);
  });
}

/** Opens `<from>/<rel>` for reading, refusing a symlink at any step and anything but a regular file. */
async function openRegular(from: string, rel: string): Promise<FileHandle> {
  const refused = (why: string) =>
    new ContainerError('COPY_IN_FAILED', `host file ${rel} ${why}`, { path: rel });
  let current = from;
  for (const segment of ['', ...rel.split('/')]) {
    current = segment ? join(current, segment) : current;
    const stat = await lstat(current).catch(() => undefined);
    if (!stat) throw refused('is missing');
    if (stat.isSymbolicLink()) throw refused('is a symbolic link (refused)');
  }
  const handle = await open(current, constants.O_RDONLY | constants.O_NOFOLLOW);
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw refused('is not a regular file');
  }
  return handle;
}
