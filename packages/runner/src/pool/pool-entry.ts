import { posix } from 'node:path';
import tar from 'tar-stream';
import { DEFAULT_FILE_MODE, fileBytes } from '../files/archive-in.ts';
import { normalizeRelative } from '../files/paths.ts';
import { commandOf } from '../run/container-spec.ts';
import type { ValidRequest } from '../run/validate-request.ts';

/** The workdir every parked container is created with; only requests using it are served from the pool. */
export const POOL_WORKDIR = '/app';

/** Directory (at the container's root) of the script a released container runs. */
export const ENTRY_DIR = '.light';
/** The script a released container runs: the request's env, then its command. */
export const ENTRY_SCRIPT = `/${ENTRY_DIR}/entry.sh`;

/**
 * The parked command: blocks on the first stdin line, then runs the entry script. If
 * stdin closes first (the runner's process died, close()), `read` fails and the container
 * exits without running anything.
 */
export const PARK_COMMAND = `read -r _ && exec /bin/sh ${ENTRY_SCRIPT}`;

/** One started container parked on stdin, waiting for a request. */
export interface PoolEntry {
  /** Run id fixed at preparation: container name `light-<id>`, hostname, run-id label, alias. */
  id: string;
  image: string;
  /** Image ID the container was created from. */
  imageId: string;
  containerId: string;
  /** The hijacked attach (stdin + multiplexed stdout/stderr), opened before start. */
  stream: NodeJS.ReadWriteStream;
  /** When it was parked (ms since epoch). */
  parkedAt: number;
  /** False once the container or its stream ended while parked. */
  alive: boolean;
}

/** Single-quotes a value for sh: nothing inside is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * The entry script: `export NAME='value'` per env entry (literal values), then the same
 * `/bin/sh -c <setup && entrypoint>` a cold container runs, exec'd so the process tree
 * (init -> sh -c) is the cold one.
 */
export function entryScript(req: Pick<ValidRequest, 'env' | 'setup' | 'entrypoint'>): string {
  const lines: string[] = [];
  for (const pair of req.env) {
    const eq = pair.indexOf('=');
    lines.push(`export ${pair.slice(0, eq)}=${shellQuote(pair.slice(eq + 1))}`);
  }
  lines.push(`exec /bin/sh -c ${shellQuote(commandOf(req) ?? 'true')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * One tar for a single upload at `/`: the request's files under the workdir (with entries
 * for their sub-directories, never for the workdir itself, so its owner and mode stay as
 * the image made them, as on the cold path) and the entry script.
 */
export async function packPooled(
  req: Pick<ValidRequest, 'files' | 'env' | 'setup' | 'entrypoint' | 'workdir'>,
): Promise<Buffer> {
  const root = req.workdir.replace(/^\/+/, '').replace(/\/+$/, '');
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const mtime = new Date();
  const dirs = new Set<string>();
  for (const raw of Object.keys(req.files)) {
    for (let dir = posix.dirname(normalizeRelative(raw)); dir !== '.'; dir = posix.dirname(dir))
      dirs.add(dir);
  }
  for (const dir of [...dirs].sort()) {
    pack.entry({ name: `${root}/${dir}/`, type: 'directory', mode: 0o755, mtime, uid: 0, gid: 0 });
  }
  for (const [raw, content] of Object.entries(req.files)) {
    const mode = typeof content === 'object' && content.mode !== undefined ? content.mode : DEFAULT_FILE_MODE;
    const body = fileBytes(content);
    const name = `${root}/${normalizeRelative(raw)}`;
    pack.entry({ name, type: 'file', mode, size: body.length, mtime, uid: 0, gid: 0 }, body);
  }
  pack.entry({ name: `${ENTRY_DIR}/`, type: 'directory', mode: 0o755, mtime, uid: 0, gid: 0 });
  const script = Buffer.from(entryScript(req), 'utf8');
  pack.entry(
    { name: ENTRY_SCRIPT.slice(1), type: 'file', mode: 0o644, size: script.length, mtime, uid: 0, gid: 0 },
    script,
  );
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
