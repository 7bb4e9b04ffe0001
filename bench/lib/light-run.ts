import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { lightRunOwner, ownLightRun } from './leaks.ts';
import { benchTempDir } from './temp.ts';

/** The light-run bin of this checkout (it imports the package's built `dist`). */
export const LIGHT_RUN_BIN = fileURLToPath(new URL('../../packages/run/bin/light-run.js', import.meta.url));

/** A light-run child process started from its bin on a free port of 127.0.0.1. */
export interface LightRunProcess extends AsyncDisposable {
  url: string;
  token: string;
  pid: number;
  dataDir: string;
  /** Resident set size now, in KiB (VmRSS). */
  rssKiB(): number;
  /** Peak resident set size since start or the last {@link resetPeak}, in KiB (VmHWM). */
  peakKiB(): number;
  /** Resets VmHWM through /proc/<pid>/clear_refs; false when the kernel refuses. */
  resetPeak(): boolean;
  /** Lines light-run printed on stderr, for error messages. */
  stderr: string[];
  stop(): Promise<void>;
}

function procStatus(pid: number, field: string): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m?.[1] ? Number(m[1]) : Number.NaN;
}

/** Why the bin cannot run yet, or undefined when it can. */
export function lightRunBinProblem(): string | undefined {
  if (!existsSync(LIGHT_RUN_BIN)) return `${LIGHT_RUN_BIN} does not exist`;
  const dist = fileURLToPath(new URL('../../packages/run/dist/cli.js', import.meta.url));
  if (!existsSync(dist)) return `${dist} is not built (the bin imports it)`;
  return undefined;
}

/** Modification time of a file, ms since epoch (NaN when missing). */
export function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.NaN; // missing file: reported as such by the caller
  }
}

/**
 * What light-runs left behind after a clean SIGTERM shutdown (or needed a SIGKILL): found
 * when the benchmark stops them, reported in the results, then removed by the benchmark
 * so the machine stays clean.
 */
export const shutdownFindings: string[] = [];

/** The client used to look for what a stopped light-run left; set once by the entry point. */
let inspector: Dockerode | undefined;

/** Lets {@link startLightRun}'s `stop()` check for networks a light-run left behind. */
export function inspectShutdownsWith(docker: Dockerode): void {
  inspector = docker;
}

async function sweepAfter(owner: string, label: string, killed: boolean): Promise<void> {
  if (killed) shutdownFindings.push(`light-run (${label}) did not exit within 15 s of SIGTERM; SIGKILLed`);
  if (!inspector) return;
  const filters = JSON.stringify({ label: [`dev.light.owner=${owner}`] });
  for (const c of await inspector.listContainers({ all: true, filters })) {
    shutdownFindings.push(
      `light-run (${label}) left container ${c.Names[0] ?? c.Id} (${c.State}) after shutdown`,
    );
    await inspector.getContainer(c.Id).remove({ force: true });
  }
  for (const n of await inspector.listNetworks({ filters })) {
    shutdownFindings.push(`light-run (${label}) left network ${n.Name} after shutdown`);
    await inspector.getNetwork(n.Id).remove();
  }
}

/**
 * Starts `light-run serve` from its bin with a random token and a fresh data dir, and
 * waits for its "listening" line. `extraArgs` go after the standard flags; `label` names
 * it in findings and in its temp dir.
 */
export async function startLightRun(
  extraArgs: string[] = [],
  label = 'bench',
  startTimeoutMs = 30_000,
): Promise<LightRunProcess> {
  const problem = lightRunBinProblem();
  if (problem) throw new Error(`light-run cannot start: ${problem}`);
  const token = randomBytes(16).toString('hex');
  const dataDir = benchTempDir(`light-run-${label}`);
  ownLightRun(dataDir);
  const args = [LIGHT_RUN_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--token', token];
  const child = spawn(process.execPath, [...args, '--data-dir', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 50) stderr.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      const killed = await terminate(child, exited);
      await sweepAfter(lightRunOwner(dataDir), label, killed);
      rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    const url = await listening(child, startTimeoutMs, stderr);
    const pid = child.pid ?? -1;
    return {
      url,
      token,
      pid,
      dataDir,
      stderr,
      rssKiB: () => procStatus(pid, 'VmRSS'),
      peakKiB: () => procStatus(pid, 'VmHWM'),
      resetPeak: () => {
        try {
          // "5" resets the peak RSS counter (Documentation/filesystems/proc.rst).
          writeFileSync(`/proc/${pid}/clear_refs`, '5');
          return true;
        } catch {
          return false; // not allowed here: the peak then counts from start, which the report says
        }
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function listening(child: ChildProcess, timeoutMs: number, stderr: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`light-run did not start: ${why}\n  ${stderr.slice(-10).join('\n  ')}`));
    };
    const timer = setTimeout(() => fail(`no listening line within ${timeoutMs} ms`), timeoutMs);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const m = /light-run listening on (http:\/\/\S+)/.exec(line);
      if (!m?.[1]) return;
      clearTimeout(timer);
      resolve(m[1]);
    });
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`})`));
  });
}

/** SIGTERM, then SIGKILL after 15 s; resolves true when the SIGKILL was needed. */
async function terminate(child: ChildProcess, exited: Promise<void>): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return false;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), 15_000);
    }),
  ]);
  clearTimeout(timer);
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
  return late;
}
