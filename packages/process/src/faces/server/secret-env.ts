import type { WorkflowDefinition } from '../../definition/definitions.ts';
import type { EnvPolicy } from '../../engine/env-policy.ts';

/** The variables the webhook triggers of `workflows` read their secrets from. */
export function webhookSecretNames(workflows: readonly WorkflowDefinition[]): string[] {
  return workflows.flatMap((def) =>
    (def.triggers ?? []).flatMap((t) => (t.webhook ? [t.webhook.secretEnv] : [])),
  );
}

/**
 * `policy` with the variables named in `hidden` unset, read live: a webhook secret stays the
 * server's and never resolves for a node or service `env`, however the allow-list is set.
 */
export function withoutSecrets(policy: EnvPolicy, hidden: ReadonlySet<string>): EnvPolicy {
  const source = new Proxy(policy.source, {
    get: (target, key) => (typeof key === 'string' && hidden.has(key) ? undefined : Reflect.get(target, key)),
    has: (target, key) => !(typeof key === 'string' && hidden.has(key)) && Reflect.has(target, key),
  });
  return { ...policy, source };
}
