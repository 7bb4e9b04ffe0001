import type { Engine } from '../engine/engine.ts';
import { LABELS } from '../labels.ts';

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
  }
}
