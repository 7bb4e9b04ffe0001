import { loadProcess, type ProcessLayer, type StepRunnerLike } from './layers.ts';
import { type LightRunProcess, startLightRun } from './light-run.ts';
import type { FetchLike } from './trace.ts';

/** light-process talking to a light-run the benchmark started from its bin (all-in-one). */
export interface Stack {
  process: ProcessLayer;
  lightRun: LightRunProcess;
  client: StepRunnerLike;
}

/**
 * Runs `fn` with a full stack, stopping light-run afterwards. Resolves with the reason
 * instead when a layer is missing (the caller reports it as "not measured").
 */
export async function withStack<T>(
  fn: (stack: Stack) => Promise<T>,
  options: { lightRunArgs?: string[]; fetch?: FetchLike; label?: string } = {},
): Promise<{ value: T } | { missing: string }> {
  const proc = await loadProcess();
  if (typeof proc === 'string') return { missing: proc };
  const Client = proc.LightRunClient;
  if (!Client) return { missing: 'light-process does not export LightRunClient yet' };
  let lightRun: LightRunProcess;
  try {
    lightRun = await startLightRun(options.lightRunArgs, options.label);
  } catch (err) {
    return { missing: `light-run: ${(err as Error).message.split('\n')[0]}` };
  }
  try {
    const client = new Client({
      url: lightRun.url,
      token: lightRun.token,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return { value: await fn({ process: proc, lightRun, client }) };
  } finally {
    await lightRun.stop();
  }
}
