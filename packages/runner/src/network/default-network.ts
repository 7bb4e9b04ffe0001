import { setTimeout as sleep } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { type Engine, engineStatus } from '../engine/engine.ts';
import { LABELS } from '../labels.ts';
import { bridgeName, type HostFirewall } from './host-firewall.ts';

/** How long a creator keeps removing duplicates of the default network, in milliseconds. */
const CONVERGE_MS = 5_000;

/**
 * The shared bridge runs join when they name no network: created on first use with
 * inter-container traffic disabled, so runs reach the outside but not each other.
 * Creation is remembered, so only the first run of a runner pays for it.
 */
export class DefaultNetwork {
  private ensured: Promise<void> | undefined;

  constructor(
    private readonly engine: Engine,
    readonly name: string,
    private readonly owner: string,
    private readonly firewall: HostFirewall,
  ) {}

  /** Makes sure the network exists (idempotent, safe against concurrent creators). */
  ensure(): Promise<void> {
    this.ensured ??= this.create().catch((err: unknown) => {
      this.ensured = undefined;
      throw err;
    });
    return this.ensured;
  }

  /** Forgets that the network exists, e.g. after it was removed. */
  forget(): void {
    this.ensured = undefined;
  }

  private async create(): Promise<void> {
    await this.engine.createNetwork({
      Name: this.name,
      Driver: 'bridge',
      Options: { 'com.docker.network.bridge.enable_icc': 'false' },
      Labels: { [LABELS.managed]: 'true', [LABELS.owner]: this.owner, [LABELS.kind]: 'network' },
    });
    const [network] = await this.converge();
    // Guarded whoever created it: a creator without firewall rights leaves it to us.
    if (network) await this.firewall.protect(this.name, bridgeName(network));
  }

  /**
   * The engine's duplicate-name check is not atomic: creators racing each other (several
   * runners, or processes, on one engine) can each get a network of this name, and then the
   * name is ambiguous and every container on it fails to start. Every creator keeps the
   * oldest one and removes the others, until one is left (bounded).
   */
  private async converge(): Promise<Dockerode.NetworkInspectInfo[]> {
    const deadline = Date.now() + CONVERGE_MS;
    for (;;) {
      const same = await this.engine.networksNamed(this.name);
      if (same.length <= 1) return same;
      const [, ...extra] = same.sort(
        (a, b) => Date.parse(a.Created) - Date.parse(b.Created) || a.Id.localeCompare(b.Id),
      );
      for (const network of extra) {
        await this.engine.removeNetwork(network.Id).catch((err: unknown) => {
          // 404: another creator removed it first; in use: it is not ours to take away.
          if (engineStatus(err) === undefined) throw err;
        });
      }
      if (Date.now() > deadline) return same.slice(0, 1);
      await sleep(50);
    }
  }
}
