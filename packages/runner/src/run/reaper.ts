import { PROBE_KIND } from '../enforcement/disk-quota.ts';
import { ContainerLostError } from '../errors.ts';
import { LABELS, MANAGED_FILTER } from '../labels.ts';
import type { NetworkManager } from '../network/network-manager.ts';
import { isTerminal } from '../state/run-record.ts';
import type { RunContext } from './run-context.ts';

/** What {@link reapOrphans} removed. */
export interface ReapReport {
  /** Names of the containers removed. */
  containers: string[];
  /** Names of the networks removed. */
  networks: string[];
}

/**
 * Removes this owner's labelled containers that nobody owns any more (not a live run of
 * this process, not a detached run still recorded as active), marks active records whose
 * container is gone as failed with CONTAINER_LOST, and removes this owner's labelled
 * networks that no container uses.
 */
export async function reapOrphans(
  ctx: RunContext,
  networks: NetworkManager,
  isLive: (runId: string) => boolean,
): Promise<ReapReport> {
  const ownerFilter = `${LABELS.owner}=${ctx.options.owner}`;
  // warm-pool hook: pooled containers (kind `pool`, parked or released) are reaped alike.
  const [runContainers, poolContainers, probeContainers, records] = await Promise.all([
    ctx.engine.listContainers([MANAGED_FILTER, ownerFilter, `${LABELS.kind}=run`]),
    ctx.engine.listContainers([MANAGED_FILTER, ownerFilter, `${LABELS.kind}=pool`]),
    // The disk quota probe's container, left only if a process died during the probe.
    ctx.engine.listContainers([MANAGED_FILTER, ownerFilter, `${LABELS.kind}=${PROBE_KIND}`]),
    ctx.store.list(),
  ]);
  const containers = [...runContainers, ...poolContainers, ...probeContainers];
  const activeDetached = new Set(records.filter((r) => r.detached && !isTerminal(r.status)).map((r) => r.id));
  const removed: string[] = [];
  const remaining = new Set<string>();
  for (const container of containers) {
    const runId = container.Labels[LABELS.runId] ?? '';
    if (isLive(runId) || activeDetached.has(runId)) {
      remaining.add(runId);
      continue;
    }
    await ctx.engine.remove(container.Id);
    removed.push(container.Names[0]?.replace(/^\//, '') ?? container.Id);
  }
  const finishedAt = new Date().toISOString();
  for (const record of records) {
    if (isTerminal(record.status) || isLive(record.id) || remaining.has(record.id)) continue;
    if (record.owner !== undefined && record.owner !== ctx.options.owner) continue;
    const error = new ContainerLostError(record.id, 'its container vanished while no process watched it');
    await ctx.store.update(record.id, (r) => ({
      ...r,
      status: 'failed',
      finishedAt,
      error: { code: error.code, message: error.message },
    }));
    await ctx.store.releaseFinalize(record.id);
  }
  const labelled = await ctx.engine.listNetworks([MANAGED_FILTER, ownerFilter]);
  const removedNetworks: string[] = [];
  for (const network of labelled) {
    if (await networks.removeIfUnused(network.Name)) removedNetworks.push(network.Name);
  }
  // Rules of networks removed while no runner watched (a crash, `docker network rm`).
  await ctx.firewall.sweep();
  return { containers: removed, networks: removedNetworks };
}
