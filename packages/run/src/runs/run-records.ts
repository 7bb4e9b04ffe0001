import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type RunState, runState } from '../api/schemas.ts';
import { LightRunError } from '../errors/light-run-error.ts';

/** Where and how to deliver a run's final state. The secret stays on this host (file mode 0600). */
export interface CallbackTarget {
  url: string;
  secret?: string;
  /** True until the callback was delivered or given up on; a restart retries pending ones. */
  pending: boolean;
}

/** What light-run keeps about one run, on top of what the runner keeps. */
export interface StoredRun {
  state: RunState;
  callback?: CallbackTarget;
  /** The lease the run is tied to: its expiry cancels the run. */
  lease?: string;
  /** A service run: it holds a service slot, not a slot of the run queue. */
  service?: boolean;
}

const storedRun = z.object({
  state: runState,
  callback: z.object({ url: z.string(), secret: z.string().optional(), pending: z.boolean() }).optional(),
  lease: z.string().optional(),
  service: z.boolean().optional(),
});

/** Statuses after which a run never changes again. */
export function isTerminalStatus(status: RunState['status']): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'timeout';
}

/**
 * light-run's own run records: one JSON file per run in `<dataDir>/runs`, mirrored in memory.
 * Writes are synchronous and atomic (temp file + rename), so two updates of one run can
 * never land out of order.
 */
export class RunRecords {
  private readonly byId = new Map<string, StoredRun>();

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json')) continue;
      const parsed = this.readFile(join(dir, name));
      if (parsed) this.byId.set(parsed.state.id, parsed);
    }
  }

  private readFile(path: string): StoredRun | undefined {
    try {
      const parsed = storedRun.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (parsed.success) return parsed.data;
      this.log(`light-run: ignoring unreadable run record ${path}: ${parsed.error.issues[0]?.message}`);
    } catch (err) {
      // One damaged file must not keep the service from starting; it is reported and skipped.
      this.log(`light-run: ignoring unreadable run record ${path}: ${(err as Error).message}`);
    }
    return undefined;
  }

  /** The record of one run, or undefined. */
  get(id: string): StoredRun | undefined {
    return this.byId.get(id);
  }

  /** Every record, oldest first. */
  all(): StoredRun[] {
    return [...this.byId.values()].sort((a, b) => a.state.createdAt.localeCompare(b.state.createdAt));
  }

  /** How many records there are. */
  get size(): number {
    return this.byId.size;
  }

  /**
   * Stores (creates or replaces) a record. The memory copy is updated first, so the run's
   * state is right for this process even when the disk refuses the write, which throws
   * `STATE_WRITE_FAILED` naming the file (no temp file is left behind).
   */
  put(record: StoredRun): StoredRun {
    this.byId.set(record.state.id, record);
    const path = join(this.dir, `${record.state.id}.json`);
    const temp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, JSON.stringify(record), { mode: 0o600 });
      renameSync(temp, path);
    } catch (err) {
      rmSync(temp, { force: true });
      throw new LightRunError(
        'STATE_WRITE_FAILED',
        `writing the record of run ${record.state.id} (${path}) failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return record;
  }

  /** Applies a change to a run's state and stores it; terminal states are never overwritten. */
  updateState(id: string, change: Partial<RunState>): RunState | undefined {
    const current = this.byId.get(id);
    if (!current) return undefined;
    if (isTerminalStatus(current.state.status) && change.status !== undefined) return current.state;
    return this.put({ ...current, state: { ...current.state, ...change } }).state;
  }

  /** Forgets a run. */
  delete(id: string): void {
    this.byId.delete(id);
    rmSync(join(this.dir, `${id}.json`), { force: true });
  }
}
