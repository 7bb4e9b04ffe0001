import type { WorkflowDefinition } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';

/**
 * Names that never resolve, whatever the policy says: the API key of `light serve` and the
 * token of light-run. A workflow that could read them could drive the server that runs it.
 */
export const NEVER_PASSED_ENV: readonly string[] = ['LP_API_KEY', 'LIGHT_RUN_TOKEN'];

/**
 * Which node and service `env` names get a value, and from where. The CLI and the SDK run
 * the user's own workflows in the user's own process: `{ source: process.env, pass: '*' }`.
 * `light serve` runs workflows that others pushed: only the names its operator allowed.
 */
export interface EnvPolicy {
  /** The variables values are read from (a process environment). */
  readonly source: Readonly<Record<string, string | undefined>>;
  /** Names that resolve from the variable of the same name; `'*'`: every name. */
  readonly pass: '*' | readonly string[];
  /** A name `N` also resolves from `<prefix>N`, which wins when it is set. @default none */
  readonly prefix?: string;
}

/** What `ExecuteOptions.env` accepts: a policy, or a plain environment whose every name passes. */
export type EnvSource = EnvPolicy | Readonly<Record<string, string | undefined>>;

/** Whose `env` names are being resolved (for the messages). */
export interface EnvOwner {
  kind: 'node' | 'service';
  id: string;
}

/** A plain environment as a policy that passes every name; a policy as is. */
export function toEnvPolicy(env: EnvSource): EnvPolicy {
  // An environment's values are strings, so an object-valued `source` can only be a policy.
  const source = (env as { source?: unknown }).source;
  if (typeof source === 'object' && source !== null) return env as EnvPolicy;
  return { source: env as Readonly<Record<string, string | undefined>>, pass: '*' };
}

/** The value of one name under a policy, or why it has none (a clause: "which is not set"). */
function lookup(name: string, policy: EnvPolicy): { value: string } | { reason: string } {
  if (NEVER_PASSED_ENV.includes(name)) return { reason: 'which is never passed to a workflow' };
  const prefixed = policy.prefix ? policy.source[`${policy.prefix}${name}`] : undefined;
  if (prefixed !== undefined) return { value: prefixed };
  const allowed = policy.pass === '*' || policy.pass.includes(name);
  if (!allowed) {
    const alternative = policy.prefix ? `, or set ${policy.prefix}${name}` : '';
    return { reason: `which is not on this server's allow-list (its operator can pass it${alternative})` };
  }
  const value = policy.source[name];
  return value === undefined ? { reason: 'which is not set' } : { value };
}

function refusal(reasons: string[], owner: EnvOwner | undefined): LightProcessError {
  return new LightProcessError(
    'ENV_MISSING',
    `environment variable(s) not available: ${reasons.join('; ')}`,
    {
      field: 'env',
      ...(owner?.kind === 'node' ? { nodeId: owner.id } : {}),
      details: { missing: reasons },
    },
  );
}

function resolveOwners(owners: readonly [EnvOwner, readonly string[] | undefined][], env: EnvSource) {
  const policy = toEnvPolicy(env);
  const out: Record<string, string> = {};
  const reasons: string[] = [];
  let first: EnvOwner | undefined;
  for (const [owner, names] of owners) {
    for (const name of names ?? []) {
      const found = lookup(name, policy);
      if ('value' in found) {
        out[name] = found.value;
        continue;
      }
      reasons.push(`${owner.kind} "${owner.id}" needs ${name}, ${found.reason}`);
      first ??= owner;
    }
  }
  if (reasons.length > 0) throw refusal(reasons, first);
  return out;
}

/**
 * Resolves the `env` names of one node or service under a policy. Throws `ENV_MISSING`
 * naming the owner and every variable that has no value or may not resolve.
 */
export function resolveEnvNames(
  owner: EnvOwner,
  names: readonly string[] | undefined,
  env: EnvSource,
): Record<string, string> {
  return resolveOwners([[owner, names]], env);
}

/**
 * Resolves the `env` names of every node and service of a workflow before anything starts,
 * and returns the values by name (what the requests then read). Throws `ENV_MISSING`
 * naming each node (or service) and variable that has no value or may not resolve.
 */
export function resolveWorkflowEnv(definition: WorkflowDefinition, env: EnvSource): Record<string, string> {
  return resolveOwners(
    [
      ...definition.nodes.map((n): [EnvOwner, string[] | undefined] => [{ kind: 'node', id: n.id }, n.env]),
      ...definition.services.map((s): [EnvOwner, string[] | undefined] => [
        { kind: 'service', id: s.id },
        s.env,
      ]),
    ],
    env,
  );
}
