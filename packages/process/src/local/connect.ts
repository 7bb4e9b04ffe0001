import { LightRunClient } from '../client/light-run-client.ts';
import { type LocalLightRunOptions, startLocalLightRun } from './local-light-run.ts';

/** How light-process reaches light-run: a running instance, or one it starts itself. */
export type RunnerMode =
  | { mode: 'explicit'; url: string; token?: string }
  | ({ mode: 'all-in-one' } & LocalLightRunOptions);

/** A connected light-run; `close()` stops it when it was started here. */
export interface RunnerConnection extends AsyncDisposable {
  client: LightRunClient;
  mode: RunnerMode['mode'];
  close(): Promise<void>;
}

/**
 * The mode the environment asks for: explicit when `LIGHT_RUN_URL` is set (with
 * `LIGHT_RUN_TOKEN`), all-in-one otherwise (`LIGHT_RUN_BIN` overrides the bin).
 */
export function modeFromEnv(env: Readonly<Record<string, string | undefined>>): RunnerMode {
  if (env.LIGHT_RUN_URL) {
    return {
      mode: 'explicit',
      url: env.LIGHT_RUN_URL,
      ...(env.LIGHT_RUN_TOKEN ? { token: env.LIGHT_RUN_TOKEN } : {}),
    };
  }
  return { mode: 'all-in-one', ...(env.LIGHT_RUN_BIN ? { bin: env.LIGHT_RUN_BIN } : {}) };
}

/** Connects in the given mode; all-in-one starts a local light-run and waits for its health. */
export async function connectRunner(mode: RunnerMode): Promise<RunnerConnection> {
  if (mode.mode === 'explicit') {
    const client = new LightRunClient({ url: mode.url, ...(mode.token ? { token: mode.token } : {}) });
    const close = async (): Promise<void> => {};
    return { client, mode: 'explicit', close, [Symbol.asyncDispose]: close };
  }
  const { mode: _mode, ...options } = mode;
  const local = await startLocalLightRun(options);
  return { client: local.client, mode: 'all-in-one', close: local.stop, [Symbol.asyncDispose]: local.stop };
}
