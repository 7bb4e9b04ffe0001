import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stripVTControlCharacters } from 'node:util';
import { spawnLight } from '../../packages/process/test/support/light-bin.ts';
import type { LightRunProc } from './light-run-proc.ts';

/** Options of {@link startLightServe}. */
export interface LightServeProcOptions {
  /** The folder served. */
  dir: string;
  /** The light-run it sends containers to (explicit mode, so a leak scope can track them). */
  lightRun: Pick<LightRunProc, 'url' | 'token'>;
  /** Extra `light serve` flags. */
  args?: string[];
  /** Environment on top of this process's (`LP_API_KEY`, `LP_PASS_ENV`, secrets...). */
  env?: Record<string, string>;
}

/** The real `light serve` bin, listening on a free port of 127.0.0.1. */
export interface LightServeProc extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Its port, for Host headers written by hand. */
  port: number;
  child: ChildProcess;
  pid: number;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 15 s; resolves once it exited. */
  stop(): Promise<void>;
}

/** Starts `light serve <dir> --port 0` from the built bin against an explicit light-run. */
export async function startLightServe(options: LightServeProcOptions): Promise<LightServeProc> {
  const { child, done } = spawnLight(['serve', options.dir, '--port', '0', ...(options.args ?? [])], {
    env: {
      LP_API_KEY: '',
      LP_PASS_ENV: '',
      LP_ALLOWED_HOSTS: '',
      ...options.env,
      LIGHT_RUN_URL: options.lightRun.url,
      LIGHT_RUN_TOKEN: options.lightRun.token,
    },
  });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(timer);
    }
  };
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`light serve printed no address in 60 s:\n${err}`)),
        60_000,
      );
      lines.on('line', (line) => {
        const match = /^light serve: (http:\/\/\S+)/.exec(stripVTControlCharacters(line));
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      void done.then((r) => {
        clearTimeout(timer);
        reject(new Error(`light serve exited with ${r.code} before listening:\n${r.stderr}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    port: Number(new URL(url).port),
    child,
    pid: child.pid as number,
    stderr: () => err,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
