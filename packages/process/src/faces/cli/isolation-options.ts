import { type Command, Option } from 'commander';
import { ISOLATION_KEYS, type LightRunIsolation } from '../../adapters/light-run/local/local-light-run.ts';

const HELP: Record<(typeof ISOLATION_KEYS)[number], [string, string]> = {
  memory: ['<size>', 'memory cap per container, e.g. 512m'],
  cpus: ['<n>', 'CPU cap per container, e.g. 1.5'],
  pids: ['<n>', 'process cap per container'],
  disk: ['<size>', 'what one container may write to its filesystem, e.g. 1g'],
  runtime: ['<runtime>', 'OCI runtime of the containers: runc or runsc (gVisor)'],
  gpus: ['<all|n>', 'GPUs given to every container: all, or a count'],
};

/**
 * Adds light-run's isolation flags (`--memory`, `--cpus`, `--pids`, `--disk`, `--runtime`,
 * `--gpus`) to a command that may start a local light-run. The values are handed to it
 * verbatim; light-run checks them. Each also reads as `LIGHT_RUN_<NAME>` from the
 * environment, which the started light-run inherits.
 */
export function addIsolationOptions(command: Command): Command {
  for (const key of ISOLATION_KEYS) {
    const [value, help] = HELP[key];
    command.addOption(
      new Option(`--${key} ${value}`, `${help} (all-in-one mode; env LIGHT_RUN_${key.toUpperCase()})`),
    );
  }
  return command;
}

/** The isolation flags as commander hands them over. */
export type IsolationFlags = { [K in (typeof ISOLATION_KEYS)[number]]?: string };

/** The isolation flags the user gave, as `startLocalLightRun`'s `isolation` option. */
export function isolationOf(flags: Readonly<IsolationFlags>): LightRunIsolation {
  const isolation: LightRunIsolation = {};
  for (const key of ISOLATION_KEYS) {
    const value = flags[key];
    if (typeof value === 'string') isolation[key] = value;
  }
  return isolation;
}
