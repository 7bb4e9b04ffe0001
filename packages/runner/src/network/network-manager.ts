import type { Engine } from '../engine/engine.ts';
import { engineStatus } from '../engine/engine.ts';
import { InvalidRequestError, NetworkInUseError, NetworkNotFoundError } from '../errors.ts';
import { LABELS, MANAGED_FILTER } from '../labels.ts';
import { bridgeName, type HostFirewall } from './host-firewall.ts';

/** Options of {@link NetworkManager.create}. */
export interface NetworkCreateOptions {
  /** No route out of the network (containers reach only each other). @default false */
  internal?: boolean;
  /** Inter-container traffic on the bridge. @default true */
  icc?: boolean;
}

/** Options of {@link NetworkManager.cleanup}. */
export interface NetworkCleanupOptions {
  /** Only networks whose name starts with this. @default every runner network */
  prefix?: string;
  /** Only networks at least this old, in milliseconds. @default 0 */
  maxAgeMs?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const PREDEFINED = new Set(['bridge', 'host', 'none']);

/**
 * Creates, inspects and removes the bridge networks runs are attached to; every one is
 * labelled, and guarded by the host firewall (when it is enforced) for as long as it exists.
 */
export class NetworkManager {
  constructor(
    private readonly engine: Engine,
    private readonly owner: string,
    private readonly firewall: HostFirewall,
    /** `overlay` for the swarm backend: attachable, swarm-scoped; `icc` does not apply there. */
    private readonly driver: 'bridge' | 'overlay' = 'bridge',
  ) {}

  /**
   * Creates a labelled bridge network; `created: false` when one of that name exists already.
   * Either way its bridge is guarded before this resolves; a network whose guard could not be
   * added is removed again (FirewallError).
   */
  async create(
    name: string,
    options: NetworkCreateOptions = {},
  ): Promise<{ name: string; created: boolean }> {
    if (!NAME.test(name))
      throw new InvalidRequestError('name', `${JSON.stringify(name)} is not a valid network name`);
    const created = await this.engine.createNetwork({
      Name: name,
      Driver: this.driver,
      Internal: options.internal ?? false,
      // IPv4 only: the host firewall rule guards IPv4, so an engine default of IPv6 on must not
      // open a second, unguarded way to the host.
      EnableIPv6: false,
      ...(this.driver === 'overlay'
        ? { Attachable: true }
        : { Options: { 'com.docker.network.bridge.enable_icc': String(options.icc ?? true) } }),
      Labels: { [LABELS.managed]: 'true', [LABELS.owner]: this.owner, [LABELS.kind]: 'network' },
    });
    const info = await this.engine.inspectNetwork(name);
    if (info?.Driver === 'bridge') {
      try {
        await this.firewall.protect(name, bridgeName(info));
      } catch (err) {
        if (created) await this.engine.removeNetwork(info.Id);
        throw err;
      }
    }
    return { name, created };
  }

  /** True when a network of that name exists. */
  async exists(name: string): Promise<boolean> {
    return (await this.engine.inspectNetwork(name)) !== undefined;
  }

  /**
   * Who made the network named exactly `name`: `own` (this owner, through {@link create} or
   * as its default network), `foreign` (anyone else, Docker's predefined networks included),
   * or `missing`.
   */
  async ownership(name: string): Promise<'own' | 'foreign' | 'missing'> {
    const info = await this.engine.inspectNetwork(name);
    if (!info) return 'missing';
    const labels = info.Labels ?? {};
    // The engine also finds a network by an id prefix; only the exact name counts as this one.
    const own =
      info.Name === name && labels[LABELS.managed] === 'true' && labels[LABELS.owner] === this.owner;
    return own ? 'own' : 'foreign';
  }

  /**
   * Removes a network and its host firewall rule: NetworkNotFoundError when absent,
   * NetworkInUseError while containers use it.
   */
  async remove(name: string): Promise<void> {
    const info = await this.engine.inspectNetwork(name);
    try {
      await this.engine.removeNetwork(name);
      if (info?.Driver === 'bridge') await this.firewall.release(info.Name, bridgeName(info));
    } catch (err) {
      const status = engineStatus(err);
      if (status === 404) throw new NetworkNotFoundError(name, err);
      if (status === 409) throw new NetworkInUseError(name, err);
      if (status === 403) {
        // Engines before API 1.42 answer 403 both for "active endpoints" and for the
        // predefined networks; endpoints may also vanish between the two calls, so only
        // the predefined ones are told apart, by name.
        const info = await this.engine.inspectNetwork(name);
        if (!info) throw new NetworkNotFoundError(name, err);
        if (!PREDEFINED.has(info.Name)) throw new NetworkInUseError(name, err);
      }
      throw err;
    }
  }

  /** Removes unused runner networks matching the filter; returns the names removed. */
  async cleanup(options: NetworkCleanupOptions = {}): Promise<string[]> {
    const networks = await this.engine.listNetworks([MANAGED_FILTER]);
    const now = Date.now();
    const removed: string[] = [];
    for (const network of networks) {
      if (options.prefix !== undefined && !network.Name.startsWith(options.prefix)) continue;
      if (options.maxAgeMs !== undefined && now - Date.parse(network.Created) < options.maxAgeMs) continue;
      if (await this.removeIfUnused(network.Name)) removed.push(network.Name);
    }
    return removed;
  }

  /** Removes a network unless containers use it (or it is already gone); true when removed. */
  async removeIfUnused(name: string): Promise<boolean> {
    try {
      await this.remove(name);
      return true;
    } catch (err) {
      if (err instanceof NetworkInUseError || err instanceof NetworkNotFoundError) return false;
      throw err;
    }
  }
}
