import { randomUUID } from 'node:crypto';
import { constants, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { relativePathProblem } from 'light-runner';
import tar from 'tar-stream';
import { z } from 'zod';
import type { UploadState } from '../api/schemas.ts';
import { LightRunError } from '../errors/light-run-error.ts';
import { DRAIN_CAP_BYTES } from '../server/oversize-body.ts';

/** One upload as kept on disk: `<dir>/<id>/` holds its files, `<dir>/<id>.json` this. */
const manifest = z.object({
  id: z.string(),
  createdAt: z.string(),
  bytes: z.number(),
  paths: z.array(z.string()),
});
type Manifest = z.infer<typeof manifest>;

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Node files above the body limit, received as a streamed tar (`POST /uploads`) and kept on
 * disk until deleted, so any number of runs can reference them (`"upload": "<id>"`). Only
 * regular files and directories are accepted; a link, a device or a path with `..` refuses
 * the whole upload. The bytes count against the artifact store's cap: `roomBytes` says how
 * much is left when an upload starts, and the upload stops with ARTIFACT_STORE_FULL past it.
 */
export class UploadStore {
  private readonly uploads = new Map<string, Manifest>();

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.endsWith('.partial')) rmSync(path, { recursive: true, force: true });
      if (!name.endsWith('.json')) continue;
      try {
        const m = manifest.parse(JSON.parse(readFileSync(path, 'utf8')));
        this.uploads.set(m.id, m);
      } catch (err) {
        this.log(`light-run: ignoring the unreadable upload manifest ${path}: ${(err as Error).message}`);
      }
    }
  }

  /** Receives a tar stream; resolves with the upload's state once every file is on disk. */
  async receive(source: Readable, roomBytes: number): Promise<UploadState> {
    const id = randomUUID();
    const partial = join(this.dir, `${id}.partial`);
    const root = join(this.dir, id);
    await mkdir(partial, { mode: 0o700 });
    const paths: string[] = [];
    let bytes = 0;
    const extract = tar.extract();
    source.on('error', (err) => extract.destroy(err));
    source.pipe(extract);
    try {
      for await (const entry of extract) {
        const { header } = entry;
        const name = header.name.replace(/\/+$/, '');
        const problem = name === '' || name === '.' ? undefined : relativePathProblem(name);
        if (problem) throw invalid(`entry ${JSON.stringify(header.name)} ${problem}`);
        if (header.type === 'directory') {
          if (name !== '' && name !== '.') await mkdir(join(partial, name), { recursive: true, mode: 0o755 });
          entry.resume();
          continue;
        }
        if (header.type !== 'file' && header.type !== 'contiguous-file') {
          throw invalid(
            `entry ${JSON.stringify(header.name)} is a ${header.type}; only regular files and directories are accepted`,
          );
        }
        bytes += header.size ?? 0;
        if (bytes > roomBytes) throw full(roomBytes);
        const target = join(partial, name);
        await mkdir(join(target, '..'), { recursive: true, mode: 0o755 });
        const file = await open(target, WRITE_FLAGS, (header.mode ?? 0o644) & 0o777);
        await pipeline(entry as unknown as Readable, file.createWriteStream());
        paths.push(
          name
            .split('/')
            .filter((segment) => segment !== '' && segment !== '.')
            .join('/'),
        );
      }
      renameSync(partial, root);
    } catch (err) {
      source.unpipe(extract);
      extract.destroy();
      // The rest of the body is read and dropped so the client can read the refusal.
      drainOrCut(source);
      rmSync(partial, { recursive: true, force: true });
      if (err instanceof LightRunError) throw err;
      throw invalid(`the body is not a readable tar archive: ${(err as Error).message}`);
    }
    const m: Manifest = { id, createdAt: new Date().toISOString(), bytes, paths };
    writeFileSync(join(this.dir, `${id}.json`), JSON.stringify(m), { mode: 0o600 });
    this.uploads.set(id, m);
    return view(m);
  }

  /** The state of an upload; UPLOAD_NOT_FOUND when unknown. */
  get(id: string): UploadState {
    return view(this.require(id));
  }

  /** What a run copies in for an upload: its directory on the host and its file paths. */
  files(id: string): { from: string; paths: string[] } {
    return { from: join(this.dir, id), paths: this.require(id).paths };
  }

  /** Deletes an upload's files and manifest; UPLOAD_NOT_FOUND when unknown. */
  remove(id: string): void {
    this.require(id);
    this.uploads.delete(id);
    rmSync(join(this.dir, `${id}.json`), { force: true });
    rmSync(join(this.dir, id), { recursive: true, force: true });
  }

  /** Bytes held by every upload. */
  usageBytes(): number {
    let total = 0;
    for (const m of this.uploads.values()) total += m.bytes;
    return total;
  }

  private require(id: string): Manifest {
    const m = this.uploads.get(id);
    if (!m) throw new LightRunError('UPLOAD_NOT_FOUND', `upload ${id} not found`, { field: 'upload' });
    return m;
  }
}

/** Reads and drops what is left of a refused body; past DRAIN_CAP_BYTES the connection is cut. */
function drainOrCut(source: Readable): void {
  let seen = 0;
  source.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_CAP_BYTES) source.destroy();
  });
  source.resume();
}

function view(m: Manifest): UploadState {
  return { id: m.id, files: m.paths.length, bytes: m.bytes, createdAt: m.createdAt };
}

function invalid(message: string): LightRunError {
  return new LightRunError('UPLOAD_INVALID', `upload refused: ${message}`);
}

function full(roomBytes: number): LightRunError {
  return new LightRunError(
    'ARTIFACT_STORE_FULL',
    `upload refused: it is larger than the ${roomBytes} bytes left in this light-run's artifact store (--artifact-store counts artifacts and uploads)`,
  );
}
