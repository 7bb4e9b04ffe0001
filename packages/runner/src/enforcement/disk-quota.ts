import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine/engine.ts';
import { LABELS } from '../labels.ts';

/** How the disk cap holds on this engine, as the probe found it. */
export interface DiskEnforcement {
  mode: 'quota' | 'watch';
  detail: string;
  /**
   * The quota covers the container's whole root filesystem, image files included (btrfs
   * quota groups), so the image's size is added to the cap; overlay2's xfs project quota
   * covers only what the container writes.
   */
  countsImage: boolean;
}

/** How often the watch (the fallback without a quota) measures a running container's writable layer, in milliseconds. */
export const DISK_POLL_MS = 200;

/** Label value of the short-lived containers the probe creates; the reaper removes any left over. */
export const PROBE_KIND = 'probe';

/** Storage drivers whose `size` storage option is a per-container quota of what it writes. */
const QUOTA_DRIVERS = new Set(['overlay2', 'btrfs', 'zfs']);

/**
 * Finds out, once per runner, whether the engine enforces a per-container size quota: a
 * storage driver that can (overlay2 on xfs with project quotas, btrfs with quota groups,
 * zfs), then a real container created with `StorageOpt.size` from a local image and removed
 * at once; the engine's answer decides. Anything else, or no local image to probe with yet,
 * means the runner's watch. Only a conclusive answer is remembered.
 */
export class DiskQuotaProbe {
  private settled: DiskEnforcement | undefined;
  private pending: Promise<DiskEnforcement> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly owner: string,
    private readonly diskBytes: number,
  ) {}

  /** The conclusive answer, once a probe gave one. */
  current(): DiskEnforcement | undefined {
    return this.settled;
  }

  /** The engine's disk enforcement (probed on the first call). */
  async get(): Promise<DiskEnforcement> {
    if (this.settled) return this.settled;
    this.pending ??= this.probe().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async probe(): Promise<DiskEnforcement> {
    const info = await this.engine.info();
    const backing = info.DriverStatus?.find(([key]) => key === 'Backing Filesystem')?.[1];
    const where = `storage driver ${info.Driver}${backing ? ` on ${backing}` : ''}`;
    if (!QUOTA_DRIVERS.has(info.Driver) || (info.Driver === 'overlay2' && backing !== 'xfs')) {
      return this.settle(watch(`${where} has no per-container size quota`));
    }
    const image = await this.engine.anyLocalImage();
    if (!image) return watch(`${where}: no local image to probe the size quota with yet`);
    const name = `light-probe-${randomUUID()}`;
    let created = false;
    try {
      await this.engine.createContainer({
        name,
        Image: image,
        Cmd: ['true'],
        Labels: {
          [LABELS.managed]: 'true',
          [LABELS.owner]: this.owner,
          [LABELS.kind]: PROBE_KIND,
          [LABELS.runId]: name,
        },
        HostConfig: { NetworkMode: 'none', StorageOpt: { size: String(this.diskBytes) } },
      });
      created = true;
    } catch (err) {
      return this.settle(watch(`${where} refused a size quota: ${(err as Error).message}`));
    } finally {
      if (created) await this.engine.remove(name);
    }
    return this.settle({
      mode: 'quota',
      countsImage: info.Driver === 'btrfs',
      detail: `${where} gives every container a size quota of the disk cap (StorageOpt size): writes past it fail with EDQUOT/ENOSPC`,
    });
  }

  private settle(result: DiskEnforcement): DiskEnforcement {
    this.settled = result;
    return result;
  }
}

function watch(reason: string): DiskEnforcement {
  return {
    mode: 'watch',
    countsImage: false,
    detail: `${reason}: the writable layer is measured every ${DISK_POLL_MS} ms and the container killed (DISK_LIMIT) once it reaches the cap, so a fast writer can pass the cap by what it writes between two measurements`,
  };
}
