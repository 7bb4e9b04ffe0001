import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { LightRunError } from '../errors/light-run-error.ts';

/** What survives a restart of one lease: its TTL and the networks created with it (runs carry their lease in their own record). */
export interface PersistedLease {
  id: string;
  ttlMs: number;
  networks: string[];
}

const leaseFile = z.object({
  leases: z.array(
    z.object({ id: z.string().min(1), ttlMs: z.number().int().positive(), networks: z.array(z.string()) }),
  ),
});

/**
 * Reads the leases a previous process left in `path`; none when the file is missing. An
 * unreadable file is reported and ignored: its leases then end at once, as if expired
 * (their runs are found through the run records and cancelled at start by
 * `cancelOrphanedRuns`).
 */
export function readLeases(path: string, log: (line: string) => void): PersistedLease[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    log(`light-run: ignoring the unreadable lease file ${path}: ${(err as Error).message}`);
    return [];
  }
  try {
    const parsed = leaseFile.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.leases;
    log(`light-run: ignoring the invalid lease file ${path}: ${parsed.error.issues[0]?.message}`);
  } catch (err) {
    log(`light-run: ignoring the unreadable lease file ${path}: ${(err as Error).message}`);
  }
  return [];
}

/** Replaces `path` atomically (temp file + rename, mode 0600); `STATE_WRITE_FAILED` naming the file when the disk refuses. */
export function writeLeases(path: string, leases: PersistedLease[]): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify({ leases }), { mode: 0o600 });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new LightRunError(
      'STATE_WRITE_FAILED',
      `writing the leases (${path}) failed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
