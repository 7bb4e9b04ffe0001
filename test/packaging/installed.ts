import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumerLock, type PackedPackage } from './consumer-lock.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The three workspace packages, bottom layer first. */
export const PACKAGES = ['runner', 'run', 'process'] as const;

/** What a finished command printed and how it ended. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started command: its process, what it printed so far, and its end. */
export interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<Finished>;
}

/**
 * The environment of every command the test starts: the user's, without a light-run or an
 * API key of the machine it runs on, and npm kept off the network (everything it installs
 * is in its cache already).
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (/^(LIGHT_RUN_|LP_)/.test(name) || name === 'LIGHT_TEST' || name === 'NODE_OPTIONS') delete env[name];
  return { ...env, npm_config_offline: 'true', npm_config_update_notifier: 'false', ...extra };
}

/**
 * Starts `command args` in `cwd` in its own process group, so that a signal reaches it and
 * whatever npx started for it (see {@link signalGroup}).
 */
export function start(command: string, args: string[], cwd: string, env = userEnv()): Started {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<Finished>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs a command to its end; rejects (after killing its group) past `withinMs`, a "did not hang" bound. */
export async function run(
  command: string,
  args: string[],
  cwd: string,
  options: { env?: NodeJS.ProcessEnv; withinMs?: number } = {},
): Promise<Finished> {
  const started = start(command, args, cwd, options.env);
  const withinMs = options.withinMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      signalGroup(started.child, 'SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} did not end within ${withinMs} ms:\n${started.stderr()}`),
      );
    }, withinMs);
  });
  try {
    return await Promise.race([started.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends `signal` to the process group of `child` (started by {@link start}); a no-op once it is gone. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid as number), signal);
  } catch {
    // The group has no process left: nothing to signal.
  }
}

/** Waits until `line` matches what the command printed on `stream`; rejects if it ends first. */
export function waitForOutput(
  started: Started,
  stream: 'stdout' | 'stderr',
  line: RegExp,
  withinMs = 90_000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const source = stream === 'stdout' ? started.child.stdout : started.child.stderr;
    const check = (): boolean => {
      const match = line.exec(started[stream]());
      if (match) {
        clearTimeout(timer);
        source?.removeListener('data', onData);
        resolve(match);
      }
      return Boolean(match);
    };
    const onData = (): void => {
      // Listeners run in order: the collector of `start` has appended this chunk already.
      check();
    };
    const timer = setTimeout(
      () => reject(new Error(`no ${line} on ${stream} within ${withinMs} ms:\n${started.stderr()}`)),
      withinMs,
    );
    source?.on('data', onData);
    void started.done.then((end) => {
      if (!check()) {
        clearTimeout(timer);
        reject(new Error(`ended (${end.code ?? end.signal}) before printing ${line}:\n${end.stderr}`));
      }
    });
    check();
  });
}

/** One live process: its pid and its argv as /proc shows it to every local user. */
export interface ProcessArgv {
  pid: number;
  argv: string[];
}

/** Every live process whose argv can be read. */
export function allProcesses(): ProcessArgv[] {
  const found: ProcessArgv[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (raw.length > 0) found.push({ pid: Number(entry), argv: raw.replace(/\0$/, '').split('\0') });
    } catch {
      // The process ended while the list was read.
    }
  }
  return found;
}

/** The pid of the process running the bin `name` that npx started for `started`, once it runs. */
export function binPid(started: Started, name: string): number | undefined {
  const group = started.child.pid as number;
  for (const p of allProcesses()) {
    if (!p.argv[1]?.endsWith(`/node_modules/.bin/${name}`)) continue;
    try {
      // Field 5 of /proc/<pid>/stat (after the parenthesised command) is the process group.
      const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === group) return p.pid;
    } catch {
      // Ended while looked at.
    }
  }
  return undefined;
}

/** `npm pack`s the built packages into `dir`; throws, saying how to build, when dist is missing. */
export async function packAll(dir: string): Promise<PackedPackage[]> {
  const missing = [
    ...PACKAGES.map((p) => join(ROOT, 'packages', p, 'dist', 'index.js')),
    join(ROOT, 'packages', 'process', 'dist', 'ui', 'index.html'),
  ].filter((f) => !existsSync(f));
  if (missing.length > 0)
    throw new Error(`${missing.join(', ')} missing: run \`npm run build\` at the repo root first`);
  const packed: PackedPackage[] = [];
  for (const name of PACKAGES) {
    const packageDir = join(ROOT, 'packages', name);
    const out = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', dir],
      packageDir,
    );
    if (out.code !== 0) throw new Error(`npm pack in ${packageDir} failed:\n${out.stderr}`);
    const [info] = JSON.parse(out.stdout) as { filename: string }[];
    const manifest = JSON.parse(
      readFileSync(join(packageDir, 'package.json'), 'utf8'),
    ) as PackedPackage['manifest'];
    packed.push({ tarball: join(dir, (info as { filename: string }).filename), manifest });
  }
  return packed;
}

/**
 * Makes `project` a fresh npm project that depends on the tarballs (and on `@types/node`,
 * as a TypeScript user's project does) and installs it with `npm ci --offline`. Native
 * addons are compiled from source, never downloaded.
 */
export async function installInto(project: string, packed: PackedPackage[]): Promise<Finished> {
  const { manifest, lock } = consumerLock(packed, ['@types/node'], (p) => `file:${p.tarball}`);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(project, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  const env = userEnv({ npm_config_build_from_source: 'true', npm_config_jobs: '2' });
  return run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project, { env, withinMs: 600_000 });
}

/** The repo's TypeScript compiler, by absolute path: the temp project does not install one. */
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The examples folder of the repo. */
export const EXAMPLES = join(ROOT, 'examples');
