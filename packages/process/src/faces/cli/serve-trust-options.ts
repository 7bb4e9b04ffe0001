import { type Command, Option } from 'commander';
import { UsageError } from '../../definition/errors.ts';
import { type EnvPolicy, NEVER_PASSED_ENV } from '../../engine/env-policy.ts';
import type { AllowedHosts } from '../server/browser-guard.ts';

/** The prefix that passes a variable to `light serve`'s workflows: `LP_ENV_FOO` is what `FOO` reads. */
export const SERVE_ENV_PREFIX = 'LP_ENV_';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)$/;

/**
 * Adds the trust flags of `light serve`: `--pass-env` (env `LP_PASS_ENV`), the names a
 * workflow may read from the server's environment, and `--allowed-hosts` (env
 * `LP_ALLOWED_HOSTS`), the Host names the server answers besides the loopback ones.
 */
export function addServeTrustOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--pass-env <names>',
        `comma-separated env names workflows may read (${SERVE_ENV_PREFIX}<NAME> is always read as <NAME>)`,
      ).env('LP_PASS_ENV'),
    )
    .addOption(
      new Option(
        '--allowed-hosts <hosts>',
        'comma-separated Host names answered besides 127.0.0.1, localhost, [::1] and --host; * for any',
      ).env('LP_ALLOWED_HOSTS'),
    );
}

/** What the trust flags decide, and the warnings to print about them. */
export interface ServeTrust {
  env: EnvPolicy;
  allowedHosts: AllowedHosts;
  warnings: string[];
}

function list(value: unknown): string[] {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    : [];
}

/**
 * The env policy and Host list of `light serve` from its flags. Refuses malformed names
 * (a usage error); a name that never resolves (`LP_API_KEY`, `LIGHT_RUN_TOKEN`) is dropped
 * with a warning.
 */
export function serveTrustOf(
  flags: { passEnv?: unknown; allowedHosts?: unknown },
  source: Readonly<Record<string, string | undefined>>,
): ServeTrust {
  const warnings: string[] = [];
  const pass: string[] = [];
  for (const name of list(flags.passEnv)) {
    if (!ENV_NAME.test(name))
      throw new UsageError(`--pass-env: '${name}' is not an environment variable name`);
    if (NEVER_PASSED_ENV.includes(name)) warnings.push(`--pass-env: ${name} is never passed to a workflow`);
    else pass.push(name);
  }
  const hosts = list(flags.allowedHosts);
  for (const host of hosts) {
    if (host !== '*' && !HOST.test(host))
      throw new UsageError(`--allowed-hosts: '${host}' is not a host name`);
  }
  const allowedHosts: AllowedHosts = hosts.includes('*') ? '*' : hosts;
  if (allowedHosts === '*')
    warnings.push(
      '--allowed-hosts *: any Host is answered; web pages can reach the API through DNS rebinding',
    );
  return { env: { source, pass, prefix: SERVE_ENV_PREFIX }, allowedHosts, warnings };
}
