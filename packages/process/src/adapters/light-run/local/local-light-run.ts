import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LightProcessError, UsageError } from '../../../definition/errors.ts';
import { LightRunClient } from '../light-run-client.ts';
import type { HealthResponse } from '../wire.ts';
import { findLightRunBin } from './find-light-run.ts';
import { waitForHealth } from './wait-for-health.ts';

/**
 * Isolation settings of the started light-run: every container it runs gets them. Values
 * use light-run's own grammar (sizes like `512m` or a byte count); light-run checks them
 * and refuses to start on a bad one. Left out: light-run's `LIGHT_RUN_*` variable of the
 * same name when set in this process's environment, else light-run's default.
 */
export interface LightRunIsolation {
  /** Memory cap per container: bytes or a size such as `512m`. @default 512 MiB */
  memory?: number | string;
  /** CPU cap per container, fractional. @default 1 */
  cpus?: number | string;
  /** Process cap per container. @default 100 */
  pids?: number | string;
  /** What one container may write to its filesystem: bytes or a size such as `1g`. @default 1 GiB */
  disk?: number | string;
  /** OCI runtime, `runc` or `runsc` (gVisor). @default the engine's (runc) */
  runtime?: string;
  /** GPUs given to every container: `all` or a count. @default none */
  gpus?: number | string;
}

/** The isolation settings in the order of light-run's flags; each key is also its flag name. */
export const ISOLATION_KEYS = ['memory', 'cpus', 'pids', 'disk', 'runtime', 'gpus'] as const;

/** Options of `startLocalLightRun`. */
export interface LocalLightRunOptions {
  /** Limits, runtime and GPUs of every container the started light-run runs. @default light-run's */
  isolation?: LightRunIsolation;
  /** Path of the light-run bin script. @default the installed light-run package's bin */
  bin?: string;
  /** State dir of that light-run (it runs `--ephemeral`, so the dir is removed when it exits). @default a fresh `light-run-*` temp dir */
  dataDir?: string;
  /** Receives every line light-run prints on stderr (its operational log). @default dropped */
  onLog?: (line: string) => void;
  /** How long light-run may take to listen and answer `/health`, in ms. @default 30000 */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL, in ms. @default 15000 */
  stopTimeoutMs?: number;
  /**
   * Containers light-run starts ahead and parks for these images (`--warm-pool`,
   * `--warm-pool-size`): a run of a listed image with an entrypoint, the default workdir
   * and no networks takes one instead of creating its own. They go with light-run (it is
   * ephemeral). `warmPoolPlan()` derives it from workflows. @default none
   */
  warmPool?: { images: string[]; size?: number };
  /** Resolve even when light-run reports Docker unreachable (503), e.g. to report it. @default false */
  allowUnhealthy?: boolean;
}

/** A light-run started by this process; stop it with `stop()` or `await using`. */
export interface LocalLightRun extends AsyncDisposable {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** The random bearer token it requires. */
  token: string;
  /** A client bound to it. */
  client: LightRunClient;
  /** Its `/health` answer at start. */
  health: HealthResponse;
  /** SIGTERM, wait for the exit (SIGKILL after a bound), remove the temp data dir. Idempotent. */
  stop(): Promise<void>;
}

const LISTENING = /^light-run listening on (http:\/\/\S+)\s*$/;

/**
 * Starts the light-run of this installation on a free port of 127.0.0.1 with a random
 * token: the all-in-one mode of the CLI and the harness of the end-to-end tests.
 * @example
 * await using local = await startLocalLightRun();
 * const result = await executeWorkflow(definition, {}, { runner: local.client });
 */
export async function startLocalLightRun(options: LocalLightRunOptions = {}): Promise<LocalLightRun> {
  const bin = options.bin ?? findLightRunBin();
  const token = randomBytes(24).toString('hex');
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'light-run-'));
  const isolation = isolationArgs(options.isolation ?? {});
  const args = [
    bin,
    'serve',
    ...['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
    ...isolation,
    ...warmPoolArgs(options.warmPool),
    // Ephemeral: it shuts down when our end of its stdin closes, which the kernel does even
    // when this process is SIGKILLed, and then removes every run and network it holds.
    '--ephemeral',
  ];
  // Its own process group: a Ctrl-C in the terminal reaches light-process, which cancels the
  // runs first and then stops light-run itself.
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: childEnv(token),
  });
  const recent: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.onLog?.(line);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A crash of this process must not leave light-run behind.
  const onExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', onExit);
  let listening = false;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.removeListener('exit', onExit);
      await terminate(child, exited, options.stopTimeoutMs ?? 15_000);
      // Anything but a clean exit 0 after serving (a crash, a kill) may have left runs that
      // hold containers and networks.
      if (listening && child.exitCode !== 0) {
        await sweep(bin, dataDir, isolation, options.startTimeoutMs ?? 30_000);
      }
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    const url = await listeningUrl(child, options.startTimeoutMs ?? 30_000, recent).catch(
      async (err: unknown) => {
        // Exit code 2 is light-run refusing an option (e.g. `--memory lots`): the user's input.
        if (child.exitCode !== 2) throw err;
        // Its last stderr lines may still be in the pipe when the exit is seen.
        if (child.stderr && !child.stderr.closed) await once(child.stderr, 'close');
        const said = recent.find((line) => line.includes('invalid option')) ?? recent.at(-1) ?? '';
        throw new UsageError(`light-run refused its settings: ${said}`, { cause: err });
      },
    );
    listening = true;
    const client = new LightRunClient({ url, token });
    const health = await waitForHealth(client, options.startTimeoutMs ?? 30_000);
    if (health.status !== 'ok' && !options.allowUnhealthy) {
      const docker = health.docker.reachable ? 'reachable' : 'unreachable';
      throw new LightProcessError(
        'LOCAL_LIGHT_RUN',
        `light-run started but is ${health.status} (Docker ${docker})`,
      );
    }
    return { url, token, client, health, stop, [Symbol.asyncDispose]: stop };
  } catch (cause) {
    await stop();
    throw cause instanceof LightProcessError
      ? cause
      : new LightProcessError('LOCAL_LIGHT_RUN', `cannot start light-run (${bin}): ${String(cause)}`, {
          cause,
        });
  }
}

function listeningUrl(child: ChildProcess, timeoutMs: number, recent: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const fail = (why: string): void => {
      clearTimeout(timer);
      const log = recent.length > 0 ? `\n  ${recent.join('\n  ')}` : '';
      reject(new LightProcessError('LOCAL_LIGHT_RUN', `light-run did not start: ${why}${log}`));
    };
    const timer = setTimeout(() => fail(`no "listening" line within ${timeoutMs} ms`), timeoutMs);
    lines.on('line', (line) => {
      const match = LISTENING.exec(line);
      if (!match?.[1]) return;
      clearTimeout(timer);
      resolve(match[1]);
    });
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? `code ${code}`})`));
  });
}

/**
 * Cleans up after a local light-run that died while serving: a fresh ephemeral light-run over
 * the same data dir re-attaches the runs it left, and closing its stdin at once makes it
 * cancel them and remove its networks and data dir. Best effort, bounded by `timeoutMs`.
 */
async function sweep(bin: string, dataDir: string, isolation: string[], timeoutMs: number): Promise<void> {
  const token = randomBytes(24).toString('hex');
  const args = [bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...isolation];
  const child = spawn(process.execPath, [...args, '--ephemeral'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: childEnv(token),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr?.resume();
  try {
    await listeningUrl(child, timeoutMs, []);
  } catch {
    // It could not start (e.g. Docker is down): there is nothing more to do from here.
  }
  child.stdin?.end();
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** The warm pool as light-run `serve` flags; none without images. */
function warmPoolArgs(pool: LocalLightRunOptions['warmPool']): string[] {
  if (!pool || pool.images.length === 0) return [];
  const size = pool.size !== undefined ? ['--warm-pool-size', String(pool.size)] : [];
  return ['--warm-pool', pool.images.join(','), ...size];
}

/** The isolation settings as light-run `serve` flags (`--memory 64m ...`), in a fixed order. */
function isolationArgs(isolation: LightRunIsolation): string[] {
  const args: string[] = [];
  for (const key of ISOLATION_KEYS) {
    const value = isolation[key];
    if (value !== undefined) args.push(`--${key}`, String(value));
  }
  return args;
}

/**
 * The child's environment: ours (so `LIGHT_RUN_MEMORY` and the other settings reach it),
 * with its token in `LIGHT_RUN_TOKEN`, never on its command line where every local user
 * could read it through `ps`. Our own API key is not light-run's business.
 */
function childEnv(token: string): NodeJS.ProcessEnv {
  const { LP_API_KEY: _apiKey, ...inherited } = process.env;
  return { ...inherited, LIGHT_RUN_TOKEN: token };
}

async function terminate(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}
