import type { Readable } from 'node:stream';
import { packFiles } from '../files/archive-in.ts';
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
export function packPooled(
  req: Pick<ValidRequest, 'files' | 'env' | 'setup' | 'entrypoint' | 'workdir'>,
): Readable {
  const root = req.workdir.replace(/^\/+/, '').replace(/\/+$/, '');
  return packFiles(req.files, {
    root,
    extra: { [ENTRY_SCRIPT.slice(1)]: Buffer.from(entryScript(req), 'utf8') },
  });
}
