import { randomUUID } from 'node:crypto';
import type { LeaseState } from '../api/schemas.ts';
import { LightRunError } from '../errors/light-run-error.ts';
import { type PersistedLease, readLeases, writeLeases } from './lease-file.ts';

/** What ending a lease does to what it holds; the registry only decides when. */
export interface LeaseCleanup {
  /** Cancels every unfinished run tied to `leaseId`; resolves with their ids once they ended. */
  cancelRuns(leaseId: string): Promise<string[]>;
  /** Removes a network; resolves false when it was gone already, rejects when it could not be removed. */
  removeNetwork(name: string): Promise<boolean>;
}

/** What ending one lease cleaned up. */
export interface LeaseEnd {
  runs: string[];
  networks: string[];
}

interface Lease extends PersistedLease {
  expiresAt: number;
  timer: NodeJS.Timeout;
}

/**
 * The leases of this light-run: a client ties runs and networks to a lease and renews it
 * on a heartbeat; when renewals stop for `ttlMs`, or the client releases it, its unfinished
 * runs are cancelled and then its networks removed. Leases (with the networks tied to them)
 * are kept in one file of the data dir; after a restart each gets a fresh full TTL.
 */
export class LeaseRegistry {
  private readonly leases = new Map<string, Lease>();
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly cleanup: LeaseCleanup,
    private readonly log: (line: string) => void,
  ) {}

  /** Re-arms the leases a previous process left, each with a fresh full TTL. */
  load(): void {
    for (const lease of readLeases(this.file, this.log)) this.arm(lease);
  }

  /** Creates a lease; `STATE_WRITE_FAILED` when it cannot be persisted (then it does not exist). */
  create(ttlMs: number): LeaseState {
    const lease = this.arm({ id: randomUUID(), ttlMs, networks: [] });
    try {
      this.persist();
    } catch (err) {
      this.disarm(lease.id);
      throw err;
    }
    return stateOf(lease);
  }

  /** Pushes a lease's expiry a full TTL ahead; `LEASE_NOT_FOUND` when it already ended. */
  renew(id: string): LeaseState {
    const lease = this.find(id);
    clearTimeout(lease.timer);
    return stateOf(this.arm(lease));
  }

  /** Throws `LEASE_NOT_FOUND` naming `id` unless that lease is live. */
  require(id: string): void {
    this.find(id);
  }

  /** True while the lease exists (created or loaded, not yet expired or released). */
  isLive(id: string): boolean {
    return this.leases.has(id);
  }

  private find(id: string): Lease {
    const lease = this.leases.get(id);
    if (!lease)
      throw new LightRunError(
        'LEASE_NOT_FOUND',
        `lease ${id} not found (never created, expired or released)`,
      );
    return lease;
  }

  /** The live lease a network is tied to, if any: only that lease's runs may join it. */
  leaseOfNetwork(name: string): string | undefined {
    for (const lease of this.leases.values()) if (lease.networks.includes(name)) return lease.id;
    return undefined;
  }

  /** Ties a network to a lease (persisted); `LEASE_NOT_FOUND` or `STATE_WRITE_FAILED` leave it untied. */
  addNetwork(id: string, name: string): void {
    const lease = this.find(id);
    if (lease.networks.includes(name)) return;
    lease.networks.push(name);
    try {
      this.persist();
    } catch (err) {
      lease.networks.pop();
      throw err;
    }
  }

  /** Ends a lease now (as its expiry would) and resolves once its runs ended and its networks are gone. */
  async release(id: string): Promise<LeaseEnd> {
    this.require(id);
    return this.end(id, 'released');
  }

  /** Stops every expiry timer (shutdown); the leases stay on disk for the next start. */
  close(): void {
    this.closed = true;
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
  }

  private arm(lease: PersistedLease): Lease {
    const armed: Lease = {
      ...lease,
      expiresAt: Date.now() + lease.ttlMs,
      timer: setTimeout(() => void this.expire(lease.id), lease.ttlMs),
    };
    // A pending expiry must not keep a process alive that is otherwise done.
    armed.timer.unref();
    this.leases.set(lease.id, armed);
    return armed;
  }

  private disarm(id: string): Lease | undefined {
    const lease = this.leases.get(id);
    if (lease) clearTimeout(lease.timer);
    this.leases.delete(id);
    return lease;
  }

  private async expire(id: string): Promise<void> {
    if (this.closed) return;
    const ttlMs = this.leases.get(id)?.ttlMs;
    await this.end(id, `expired (no renewal within ${ttlMs} ms)`).catch((err: unknown) => {
      this.log(`light-run: ending lease ${id} failed: ${(err as Error).message}`);
    });
  }

  private async end(id: string, why: string): Promise<LeaseEnd> {
    const lease = this.disarm(id);
    if (!lease) return { runs: [], networks: [] };
    try {
      this.persist();
    } catch (err) {
      // The lease is gone for this process; were it read back after a restart, it would expire again.
      this.log(`light-run: ${(err as Error).message}`);
    }
    // Runs first: a network cannot be removed while their containers are attached to it.
    const left: string[] = [];
    const runs = await this.cleanup.cancelRuns(id).catch((err: unknown) => {
      left.push(`runs (${(err as Error).message})`);
      return [];
    });
    const networks: string[] = [];
    for (const name of lease.networks) {
      try {
        if (await this.cleanup.removeNetwork(name)) networks.push(name);
      } catch (err) {
        left.push(`${name} (${(err as Error).message})`);
      }
    }
    const kept = left.length > 0 ? `; could not end ${left.join(', ')}` : '';
    // A client that releases its lease after cleaning up itself is the normal case: silent.
    const quiet = why === 'released' && runs.length === 0 && networks.length === 0 && !kept;
    if (!quiet)
      this.log(
        `light-run: lease ${id} ${why}: cancelled ${runs.length} run(s) [${runs.join(', ')}], removed ${networks.length} network(s) [${networks.join(', ')}]${kept}`,
      );
    return { runs, networks };
  }

  private persist(): void {
    const leases = [...this.leases.values()].map(({ id, ttlMs, networks }) => ({ id, ttlMs, networks }));
    writeLeases(this.file, leases);
  }
}

function stateOf(lease: Lease): LeaseState {
  return { id: lease.id, ttlMs: lease.ttlMs, expiresAt: new Date(lease.expiresAt).toISOString() };
}
