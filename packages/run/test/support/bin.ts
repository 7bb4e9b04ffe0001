import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of the real `light-run` bin (it runs the built `dist/cli.js`). */
export const BIN = fileURLToPath(new URL('../../bin/light-run.js', import.meta.url));

/** Fails with a clear message when the package was not built. */
export function assertBuilt(): void {
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -b\` at the repo root first`);
}

/** A finished bin invocation. */
export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin to completion (bounded by `withinMs`, a "did not hang" bound). */
export function runBin(args: string[], env: NodeJS.ProcessEnv = {}, withinMs = 60_000): Promise<BinResult> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
  return collect(child, withinMs);
}

function collect(child: ChildProcess, withinMs: number): Promise<BinResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`light-run did not exit within ${withinMs} ms; stderr:\n${stderr}`));
    }, withinMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `light-run serve` child process that printed its URL. */
export interface ServingBin extends AsyncDisposable {
  url: string;
  /** The first stdout line, exactly as printed. */
  line: string;
  child: ChildProcess;
  /** Sends SIGTERM and resolves with how the process ended. */
  stop(): Promise<BinResult>;
}

/** Starts `light-run serve` with `args` and waits for its listening line. */
export async function serveBin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServingBin> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...process.env, ...env } });
  const ended = collect(child, 120_000);
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (c: Buffer) => {
      buffered += c.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(buffered.slice(0, newline));
    });
    ended.then(
      (r) => reject(new Error(`light-run exited (${r.code}) before listening:\n${r.stderr}`)),
      reject,
    );
  });
  let stopped: Promise<BinResult> | undefined;
  const stop = () => {
    if (!stopped) {
      child.kill('SIGTERM');
      stopped = ended;
    }
    return stopped;
  };
  const url = line.replace('light-run listening on ', '');
  return { url, line, child, stop, [Symbol.asyncDispose]: async () => void (await stop()) };
}
