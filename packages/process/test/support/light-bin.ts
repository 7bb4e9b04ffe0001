import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The real `light` bin of this repo: it runs the built `dist/faces/cli/main.js`, as an installed CLI does. */
export const LIGHT_BIN = fileURLToPath(new URL('../../bin/light.js', import.meta.url));

/** What the bin needs built: its own CLI, the web UI `light serve` sends, and the light-run bin of all-in-one mode. */
const BUILT = [
  new URL('../../dist/faces/cli/main.js', import.meta.url),
  new URL('../../dist/ui/index.html', import.meta.url),
  new URL('../../../run/dist/cli.js', import.meta.url),
].map((u) => fileURLToPath(u));

/** Throws a message that says how to build when a file the bin runs is missing. */
export function assertLightBuilt(): void {
  const missing = BUILT.filter((f) => !existsSync(f));
  if (missing.length > 0)
    throw new Error(`${missing.join(', ')} missing: run \`npm run build\` at the repo root first`);
}

/** How `light` ended: exit code (null when killed by a signal) and everything it printed. */
export interface LightResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link spawnLight}. */
export interface SpawnLightOptions {
  /** Environment on top of this process's (minus `drop`). */
  env?: Record<string, string>;
  /** Variables of this process's environment the child does not inherit. @default [] */
  drop?: string[];
  /** Working directory. @default this process's */
  cwd?: string;
  /** Text written to its stdin, which is then closed; stdin is ignored without it. */
  input?: string;
  /**
   * Told about the local light-run `light` starts (all-in-one), once seen: its process is
   * looked for every 100 ms while `light` runs, so that a leak check can be scoped to it.
   */
  onLightRun?: (lightRun: { pid: number; dataDir: string }) => void;
}

/** Starts `light <args>` from the built bin with piped stdout and stderr. */
export function spawnLight(
  args: string[],
  options: SpawnLightOptions = {},
): { child: ChildProcess; done: Promise<LightResult> } {
  assertLightBuilt();
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of options.drop ?? []) delete base[name];
  const child = spawn(process.execPath, [LIGHT_BIN, ...args], {
    env: { ...base, ...options.env },
    cwd: options.cwd,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => {
    out.stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out.stderr += d.toString();
  });
  const onLightRun = options.onLightRun;
  const watch = onLightRun
    ? setInterval(() => {
        const found = lightRunChildOf(child.pid as number);
        if (found) {
          clearInterval(watch);
          onLightRun(found);
        }
      }, 100)
    : undefined;
  const done = new Promise<LightResult>((resolve) =>
    child.on('close', (code) => {
      clearInterval(watch);
      resolve({ code, ...out });
    }),
  );
  return { child, done };
}

/** Runs `light <args>` from the built bin to its end. */
export function runLight(args: string[], options: SpawnLightOptions = {}): Promise<LightResult> {
  return spawnLight(args, options).done;
}

/** The light-run that process `parent` started (found by its parent pid) and its data dir. */
export function lightRunChildOf(parent: number): { pid: number; dataDir: string } | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 of /proc/<pid>/stat (after the parenthesised command) is the parent pid.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = argv.indexOf('--data-dir');
      if (argv.some((a) => a.endsWith('light-run.js')) && at >= 0)
        return { pid: Number(entry), dataDir: argv[at + 1] as string };
    } catch {
      // Ended while looked at.
    }
  }
  return undefined;
}
