import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';
import type { FileContent } from '../types.ts';
import { DEFAULT_FILE_MODE, fileModeOf, parentDirectories } from './file-tree.ts';
import { normalizeRelative } from './paths.ts';

const DIR_MODE = 0o755;
/** What the archive may hold ahead of its reader before the writer waits, in bytes (plus one entry). */
const BUFFER_BYTES = 1024 * 1024;

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

type Header = Partial<tar.Header> & { name: string };

/**
 * Streams the request's files as one tar archive, with one entry for every distinct parent
 * directory (never for `root` itself, so its owner and mode stay as the image made them).
 * Only regular files and directories are written: never links, so nothing placed in the
 * container can point elsewhere. Modes are masked to 0o777 (no setuid, setgid, sticky).
 * The archive is produced as its reader consumes it: at most about a MiB plus one file is
 * held at a time, whatever the number of entries. Paths must already be validated.
 */
export function packFiles(files: Record<string, FileContent>, options: PackOptions = {}): Readable {
  const out = new PassThrough({ highWaterMark: BUFFER_BYTES });
  const pack = tar.pack();
  pack.on('data', (chunk: unknown) => out.write(chunk as Buffer));
  pack.on('end', () => out.end());
  pack.on('error', (err: Error) => out.destroy(err));
  writeEntries(pack, out, files, options).catch((err: unknown) => {
    // The reader is told through the stream it holds; nothing else waits on this promise.
    pack.destroy(err as Error);
    out.destroy(err as Error);
  });
  return out;
}

async function writeEntries(
  pack: tar.Pack,
  out: PassThrough,
  files: Record<string, FileContent>,
  options: PackOptions,
): Promise<void> {
  const mtime = new Date();
  const under = (path: string) => (options.root ? `${options.root}/${path}` : path);
  const owned = { mtime, uid: 0, gid: 0 };
  const named = Object.entries(files).map(([raw, content]) => [normalizeRelative(raw), content] as const);
  const extra = Object.entries(options.extra ?? {});
  const dirs = [
    ...[...(parentDirectories(named.map(([name]) => name)) ?? [])].map(under),
    ...(parentDirectories(extra.map(([name]) => name)) ?? []),
  ];
  const put = async (header: Header, body?: Buffer): Promise<boolean> => {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) pack.entry(header, body, done);
      else pack.entry(header, done);
    });
    if (out.writableNeedDrain) await drained(out);
    return !out.destroyed;
  };
  for (const dir of [...new Set(dirs)].sort()) {
    if (!(await put({ name: `${dir}/`, type: 'directory', mode: DIR_MODE, ...owned }))) return;
  }
  for (const [name, content] of named) {
    const body = fileBytes(content);
    const header = { name: under(name), type: 'file' as const, mode: fileModeOf(content), size: body.length };
    if (!(await put({ ...header, ...owned }, body))) return;
  }
  for (const [name, body] of extra) {
    const header = { name, type: 'file' as const, mode: DEFAULT_FILE_MODE, size: body.length };
    if (!(await put({ ...header, ...owned }, body))) return;
  }
  pack.finalize();
}

/** Resolves once `out` has room again, or was closed (its reader gave up). */
function drained(out: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
