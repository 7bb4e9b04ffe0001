import { LightRunError } from '../errors/light-run-error.ts';
import type { ServerContext } from '../server/context.ts';

/** Docker's own networks, refused by name (`none` stays allowed: it is no network at all). */
const BUILT_IN: Readonly<Record<string, string>> = {
  host: "it is Docker's host network: the container would share the host's interfaces and reach every service on the host's 127.0.0.1, light-run included",
  bridge: "it is Docker's shared docker0 bridge: runs on it reach each other and every container there",
  default: "it names Docker's default network (the docker0 bridge): runs on it reach each other",
};

/**
 * Refuses a run whose `networks` name one it may not join: Docker's `host`, `bridge` or
 * `default`, or any network this light-run did not create (through `POST /networks`, or
 * its own default network), unless the operator allowed it (`--allow-networks`); nor one
 * tied to a lease other than the run's own (another client's run-scoped network).
 * The 400 `NETWORK_NOT_ALLOWED` names the entry (`networks.<i>`), the network and why.
 */
export async function checkRunNetworks(
  networks: readonly string[] | undefined,
  ctx: ServerContext,
  lease?: string,
): Promise<void> {
  for (const [index, name] of (networks ?? []).entries()) {
    if (name === 'none' || ctx.options.allowNetworks.includes(name)) continue;
    const why = BUILT_IN[name] ?? (await whyNotOwn(name, ctx)) ?? whyNotOurs(name, ctx, lease);
    if (why === undefined) continue;
    const path = `networks.${index}`;
    const message = `${JSON.stringify(name)} is not allowed: ${why}; an operator may allow it with --allow-networks`;
    throw new LightRunError('NETWORK_NOT_ALLOWED', `${path}: ${message}`, {
      field: path,
      details: { issues: [{ path, message }] },
    });
  }
}

/** A network tied to a lease belongs to that client: another client's run may not join it. */
function whyNotOurs(name: string, ctx: ServerContext, lease: string | undefined): string | undefined {
  const holder = ctx.leases.leaseOfNetwork(name);
  if (holder === undefined || holder === lease) return undefined;
  return 'it belongs to another client (it is tied to a lease this run does not carry)';
}

async function whyNotOwn(name: string, ctx: ServerContext): Promise<string | undefined> {
  const ownership = await ctx.networks.ownership(name);
  if (ownership === 'own') return undefined;
  if (ownership === 'missing') return 'no network of that name exists (create one with POST /networks first)';
  return 'this light-run did not create it (runs may join networks made with POST /networks)';
}
