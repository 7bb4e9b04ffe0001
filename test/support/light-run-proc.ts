import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp.ts';

/** The real `light-run` bin of this repo (it runs the built `packages/run/dist/cli.js`). */
export const LIGHT_RUN_BIN = fileURLToPath(new URL('../../packages/run/bin/light-run.js', import.meta.url));

/** Owner label value light-run derives from its data dir (mirrors packages/run's default). */
export function ownerOf(dataDir: string): string {
  return `light-run-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`;
}

/** Options of {@link startLightRun}. */
export interface LightRunProcOptions {
  /** Reuse a data dir (e.g. to restart over the same state); a fresh temp dir otherwise. */
  dataDir?: string;
  /** Token; random when absent. */
  token?: string;
  /** Extra `serve` flags. */
  args?: string[];
  /** Environment variables on top of this process's (e.g. `LIGHT_RUN_MEMORY`). */
  env?: Record<string, string>;
  /** How long the bin may take to print its URL, in ms. @default 30000 */
  startTimeoutMs?: number;
}

/** A `light-run serve` child process listening on 127.0.0.1. */
export interface LightRunProc extends AsyncDisposable {
  url: string;
  token: string;
  dataDir: string;
  owner: string;
  child: ChildProcess;
  pid: number;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** fetch relative to the URL, with the bearer token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** POST a JSON body with the token. */
  post(path: string, body?: unknown): Promise<Response>;
  /** VmRSS of the process, in KiB. */
  rssKiB(): number;
  /** Sends a signal and resolves once the process exited (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/** Throws a clear message when the bin cannot run (dist not built). */
export function assertLightRunBuilt(): void {
  const cli = fileURLToPath(new URL('../../packages/run/dist/cli.js', import.meta.url));
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -b\` at the repo root first`);
}

/**
 * Starts the real `light-run serve` bin on a free port of 127.0.0.1. When the helper made the
 * data dir, disposing removes it; a given data dir is kept (the caller owns it).
 */
export async function startLightRun(options: LightRunProcOptions = {}): Promise<LightRunProc> {
  assertLightRunBuilt();
  const owned = options.dataDir === undefined ? tempDir('hard-run') : undefined;
  const dataDir = options.dataDir ?? (owned as { path: string }).path;
  const token = options.token ?? randomBytes(16).toString('hex');
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--token', token, '--data-dir', dataDir];
  const child = spawn(process.execPath, [LIGHT_RUN_BIN, ...args, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LIGHT_RUN_TOKEN: '', LIGHT_RUN_PORT: '', LIGHT_RUN_DATA_DIR: '', ...options.env },
  });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-64 * 1024);
  });
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  let url: string;
  try {
    url = await listening(child, exited, options.startTimeoutMs ?? 30_000, () => err);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    owned?.[Symbol.dispose]();
    throw e;
  }
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
    });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
  return {
    url,
    token,
    dataDir,
    owner: ownerOf(dataDir),
    child,
    pid: child.pid as number,
    stderr: () => err,
    api,
    post: (path, body) =>
      api(path, {
        method: 'POST',
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      }),
    rssKiB: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    },
    stop,
    exited,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) await cancelActive(api);
      await stop();
      owned?.[Symbol.dispose]();
    },
  };
}

/** Cancels every queued, running or paused run (detached runs outlive a SIGTERM by design). */
async function cancelActive(api: (path: string, init?: RequestInit) => Promise<Response>): Promise<void> {
  try {
    const { runs } = (await (await api('/runs?limit=1000')).json()) as {
      runs: { id: string; status: string }[];
    };
    const active = runs.filter((r) => ['queued', 'running', 'paused'].includes(r.status));
    await Promise.all(
      active.map((r) => api(`/runs/${r.id}/cancel`, { method: 'POST' }).then((res) => res.body?.cancel())),
    );
  } catch {
    // light-run no longer answers: the leak check reports whatever it left.
  }
}

function listening(
  child: ChildProcess,
  exited: Promise<void>,
  timeoutMs: number,
  stderr: () => string,
): Promise<string> {
  return new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(
      () => fail(new Error(`light-run printed no URL in ${timeoutMs} ms:\n${stderr()}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /light-run listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        done(match[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(
        new Error(`light-run exited (${child.exitCode ?? child.signalCode}) before listening:\n${stderr()}`),
      );
    });
  });
}
