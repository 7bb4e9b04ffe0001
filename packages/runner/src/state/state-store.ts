import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StateCorruptError, StateWriteError } from '../errors.ts';
import { isTerminal, type RunRecord, runRecordSchema } from './run-record.ts';

const RECORD_SUFFIX = '.json';
const LOCK_SUFFIX = '.finalizing';

/**
 * One JSON record per run in a directory. Writes are atomic (temp file + rename), updates
 * of one id are serialised within the process, and a terminal record is never replaced by
 * a non-terminal one. A `.finalizing` lock file decides which process finalizes a run.
 */
export class StateStore {
  private ready: Promise<unknown> | undefined;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {}

  /** Path of one record. */
  pathOf(id: string): string {
    return join(this.dir, `${id}${RECORD_SUFFIX}`);
  }

  /** The record, or undefined when there is none; StateCorruptError when it does not parse. */
  async read(id: string): Promise<RunRecord | undefined> {
    const path = this.pathOf(id);
    const text = await readIfExists(path);
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new StateCorruptError(path, 'not JSON', err);
    }
    const parsed = runRecordSchema.safeParse(json);
    if (!parsed.success) throw new StateCorruptError(path, parsed.error.issues[0]?.message ?? 'invalid');
    return parsed.data;
  }

  /** Every readable record, oldest first. */
  async list(): Promise<RunRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const ids = names.filter((n) => n.endsWith(RECORD_SUFFIX)).map((n) => n.slice(0, -RECORD_SUFFIX.length));
    const records = await Promise.all(
      ids.map((id) =>
        // A record deleted or corrupted between readdir and read cannot be acted upon;
        // get(id) still reports a corrupt one as StateCorruptError.
        this.read(id).catch((err: unknown) =>
          err instanceof StateCorruptError ? undefined : Promise.reject(err),
        ),
      ),
    );
    return records
      .filter((r): r is RunRecord => r !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Writes a whole record atomically. */
  async write(record: RunRecord): Promise<void> {
    await this.enqueue(record.id, () => this.writeNow(record));
  }

  /**
   * Read-modify-write of one record, serialised per id. Returns the stored record; a
   * terminal record is returned unchanged (only the finalizer's {@link write} ends a run).
   */
  async update(id: string, change: (current: RunRecord) => RunRecord): Promise<RunRecord | undefined> {
    return this.enqueue(id, async () => {
      const current = await this.read(id);
      if (!current) return undefined;
      if (isTerminal(current.status)) return current;
      const next = change(current);
      await this.writeNow(next);
      return next;
    });
  }

  /** Deletes a record (and a stale lock). */
  async delete(id: string): Promise<void> {
    await this.enqueue(id, async () => {
      await rm(this.pathOf(id), { force: true });
      await rm(join(this.dir, `${id}${LOCK_SUFFIX}`), { force: true });
    });
  }

  /**
   * Tries to become the one process that finalizes `id`; false when another live process
   * holds it. A lock left by a process of this host that no longer exists is taken over.
   */
  async claimFinalize(id: string): Promise<boolean> {
    await this.ensureDir();
    const path = join(this.dir, `${id}${LOCK_SUFFIX}`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, `${process.pid}@${hostname()}`, { flag: 'wx' });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          // An empty lock file left by a failed write would block every later claimant.
          await rm(path, { force: true }).catch(() => undefined);
          throw new StateWriteError(path, err);
        }
      }
      if (!(await this.holderIsGone(path))) return false;
      await rm(path, { force: true });
    }
    return false;
  }

  /** True when the lock was released meanwhile or its holder died; a lock being written counts as held. */
  private async holderIsGone(path: string): Promise<boolean> {
    const holder = await readIfExists(path);
    if (holder === undefined) return true;
    const [pid, host] = holder.split('@');
    if (!pid || host !== hostname()) return false;
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  /** Gives up the finalize lock (after the terminal record is written). */
  async releaseFinalize(id: string): Promise<void> {
    await rm(join(this.dir, `${id}${LOCK_SUFFIX}`), { force: true });
  }

  /** Writes atomically; any failure (ENOSPC, EIO...) is a StateWriteError and leaves no temp file. */
  private async writeNow(record: RunRecord): Promise<void> {
    const path = this.pathOf(record.id);
    const tmp = join(this.dir, `.${record.id}.${randomUUID()}.tmp`);
    try {
      await this.ensureDir();
      await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
      await rename(tmp, path);
    } catch (err) {
      // A partial temp file would hold space on a full disk and confuse nobody but the operator.
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new StateWriteError(path, err);
    }
  }

  private ensureDir(): Promise<unknown> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    return this.ready;
  }

  private enqueue<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return next;
  }
}

/** A file's text, or undefined when it does not exist; other read failures are thrown. */
async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
