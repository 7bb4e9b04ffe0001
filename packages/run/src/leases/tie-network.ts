import type { NetworkPort } from '../server/context.ts';
import type { LeaseRegistry } from './lease-registry.ts';

/**
 * Ties a network just created (or found) by `POST /networks` to a lease. When that fails
 * (the lease ended during the create, or the lease file cannot be written) a network this
 * request created is removed again before the error is answered, so nothing is left untied.
 */
export async function tieNetwork(
  leases: LeaseRegistry,
  networks: NetworkPort,
  lease: string,
  network: { name: string; created: boolean },
): Promise<void> {
  try {
    leases.addNetwork(lease, network.name);
  } catch (err) {
    if (network.created) await networks.remove(network.name);
    throw err;
  }
}
