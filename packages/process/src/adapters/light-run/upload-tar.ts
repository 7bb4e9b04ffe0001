import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { NodeFile } from '../../definition/definitions.ts';

const DIR_MODE = 0o755;

/**
 * Streams a node's files as a tar archive for `POST /uploads`: each file is decoded and
 * written as the request consumes the archive, so at most one file's bytes are held twice
 * (encoded, as the definition holds it, and decoded), never the whole archive.
 */
export function nodeFilesTar(files: Record<string, NodeFile>): ReadableStream<Uint8Array> {
  const pack = tar.pack();
  void (async () => {
    const dirs = new Set<string>();
    for (const name of Object.keys(files)) {
      for (let end = name.indexOf('/'); end > 0; end = name.indexOf('/', end + 1))
        dirs.add(name.slice(0, end));
    }
    for (const dir of [...dirs].sort())
      await entry(pack, { name: `${dir}/`, type: 'directory', mode: DIR_MODE });
    for (const [name, file] of Object.entries(files)) {
      const body =
        typeof file === 'string' ? Buffer.from(file, 'utf8') : Buffer.from(file.content, file.encoding);
      const mode = typeof file === 'string' ? 0o644 : (file.mode ?? 0o644);
      await entry(pack, { name, type: 'file', mode, size: body.length }, body);
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return Readable.toWeb(Readable.from(pack as AsyncIterable<Buffer>)) as ReadableStream<Uint8Array>;
}

/** Writes one entry and waits until the pack can take more (the reader drained it). */
async function entry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }, body?: Buffer) {
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body) pack.entry(header as tar.Header, body, done);
    else pack.entry(header as tar.Header, done);
  });
}
