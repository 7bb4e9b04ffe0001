import { UsageError } from '../../../definition/errors.ts';
import { LightRunClient } from '../light-run-client.ts';
import { type LightRunIsolation, type LocalLightRunOptions, startLocalLightRun } from './local-light-run.ts';

/** How light-process reaches light-run: a running instance, or one it starts itself. */
export type RunnerMode =
  | {
      mode: 'explicit';
      url: string;
      token?: string;
      /** Lease time to live, in milliseconds (`LIGHT_RUN_LEASE_TTL_MS`). @default 30000 */
      leaseTtlMs?: number;
    }
  | ({ mode: 'all-in-one' } & LocalLightRunOptions);

/** A connected light-run; `close()` stops it when it was started here. */
export interface RunnerConnection extends AsyncDisposable {
  client: LightRunClient;
  mode: RunnerMode['mode'];
  close(): Promise<void>;
}

/**
 * The one choice of light-run for `light run`, `light serve` and `light doctor`: explicit
 * when `LIGHT_RUN_URL` is set (with `LIGHT_RUN_TOKEN`, `LIGHT_RUN_LEASE_TTL_MS`), all-in-one otherwise
 * (`LIGHT_RUN_BIN` overrides the bin; `isolation` goes to the light-run started). Isolation
 * settings with `LIGHT_RUN_URL` set are a UsageError: that light-run has its own.
 */
export function modeFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  isolation: LightRunIsolation = {},
): RunnerMode {
  const given = Object.keys(isolation).filter((k) => isolation[k as keyof LightRunIsolation] !== undefined);
  if (env.LIGHT_RUN_URL && given.length > 0) {
    const flags = given.map((k) => `--${k}`);
    throw new UsageError(
      `${flags.join(', ')}: isolation is set on the light-run instance, and LIGHT_RUN_URL points at one already running; set it there (light-run serve ${flags.join(' ')} ...) or unset LIGHT_RUN_URL`,
    );
  }
  if (env.LIGHT_RUN_URL) {
    const leaseTtlMs = leaseTtlFromEnv(env.LIGHT_RUN_LEASE_TTL_MS);
    return {
      mode: 'explicit',
      url: env.LIGHT_RUN_URL,
      ...(env.LIGHT_RUN_TOKEN ? { token: env.LIGHT_RUN_TOKEN } : {}),
      ...(leaseTtlMs !== undefined ? { leaseTtlMs } : {}),
    };
  }
  return {
    mode: 'all-in-one',
    ...(env.LIGHT_RUN_BIN ? { bin: env.LIGHT_RUN_BIN } : {}),
    ...(given.length > 0 ? { isolation } : {}),
  };
}

/**
 * Connects in the given mode: explicit checks that the light-run answers (throws
 * `LIGHT_RUN_UNREACHABLE` naming the URL otherwise); all-in-one starts a local light-run and
 * waits for its health.
 */
export async function connectRunner(mode: RunnerMode): Promise<RunnerConnection> {
  if (mode.mode === 'explicit') {
    const client = new LightRunClient({
      url: mode.url,
      ...(mode.token ? { token: mode.token } : {}),
      ...(mode.leaseTtlMs !== undefined ? { leaseTtlMs: mode.leaseTtlMs } : {}),
    });
    // Unreachable is said at once, naming the URL (exit 1), before any workflow work starts.
    await client.health({ retry: false });
    const close = async (): Promise<void> => {};
    return { client, mode: 'explicit', close, [Symbol.asyncDispose]: close };
  }
  const { mode: _mode, ...options } = mode;
  const local = await startLocalLightRun(options);
  return { client: local.client, mode: 'all-in-one', close: local.stop, [Symbol.asyncDispose]: local.stop };
}

/** `LIGHT_RUN_LEASE_TTL_MS`: whole milliseconds from 1000 to 3600000; unset or empty: the default. */
function leaseTtlFromEnv(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1_000 || ms > 3_600_000) {
    throw new UsageError(
      `LIGHT_RUN_LEASE_TTL_MS=${raw}: must be whole milliseconds between 1000 and 3600000`,
    );
  }
  return ms;
}
