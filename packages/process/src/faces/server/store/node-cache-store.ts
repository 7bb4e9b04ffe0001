import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { fileSystemError } from '../../../definition/errors.ts';
import type { NodeCache, NodeCacheEntry } from '../../../engine/node-cache.ts';

/** A cache entry as lists show it: no output, its size instead. */
export interface NodeCacheListing {
  key: string;
  workflowId: string;
  nodeId: string;
  createdAt: string;
  expiresAt: string;
  /** Bytes of the recorded output (JSON). */
  outputBytes: number;
  /** Past `expiresAt`: never reused, removed by the next `clear`. */
  expired: boolean;
}

/** Which entries `clear` removes; none set: all of them. */
export interface NodeCacheFilter {
  workflowId?: string;
  nodeId?: string;
  /** Only the expired ones. */
  expired?: boolean;
}

interface EntryRow {
  key: string;
  workflow_id: string;
  node_id: string;
  output: string;
  created_at: string;
  expires_at: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS node_cache (
    key         TEXT PRIMARY KEY,
    workflow_id TEXT NOT NULL,
    node_id     TEXT NOT NULL,
    output      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS node_cache_by_node ON node_cache (workflow_id, node_id);
`;

/**
 * The node cache in SQLite: `.light/cache.db` for `light run`, `<data dir>/cache.db` for
 * `light serve`. It survives restarts; env values never reach it (they are only hashed into keys).
 */
export class NodeCacheStore implements NodeCache, Disposable {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating when needed) the cache database at `path`; `:memory:` for a throwaway one. */
  static open(path: string): NodeCacheStore {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      return new NodeCacheStore(db);
    } catch (cause) {
      throw fileSystemError('open the node cache database', path, cause);
    }
  }

  /** The unexpired entry under `key`. */
  get(key: string): NodeCacheEntry | undefined {
    const row = this.#db
      .prepare('SELECT * FROM node_cache WHERE key = ? AND expires_at > ?')
      .get(key, new Date().toISOString()) as EntryRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  /** Records (or replaces) an entry. */
  put(entry: NodeCacheEntry): void {
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO node_cache (key, workflow_id, node_id, output, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.key,
        entry.workflowId,
        entry.nodeId,
        JSON.stringify(entry.output),
        entry.createdAt,
        entry.expiresAt,
      );
  }

  /** Every entry, newest first, expired ones included (marked). */
  list(filter: Omit<NodeCacheFilter, 'expired'> = {}): NodeCacheListing[] {
    const { clause, params } = where(filter);
    const rows = this.#db
      .prepare(
        `SELECT key, workflow_id, node_id, length(output) AS bytes, created_at, expires_at FROM node_cache ${clause}
         ORDER BY created_at DESC`,
      )
      .all(...params) as (Omit<EntryRow, 'output'> & { bytes: number })[];
    const now = new Date().toISOString();
    return rows.map((r) => ({
      key: r.key,
      workflowId: r.workflow_id,
      nodeId: r.node_id,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      outputBytes: r.bytes,
      expired: r.expires_at <= now,
    }));
  }

  /** Removes the entries the filter selects; returns how many. */
  clear(filter: NodeCacheFilter = {}): number {
    const { clause, params } = where(filter);
    return this.#db.prepare(`DELETE FROM node_cache ${clause}`).run(...params).changes;
  }

  /** Closes the database (idempotent). */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function where(filter: NodeCacheFilter): { clause: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  if (filter.workflowId !== undefined) {
    parts.push('workflow_id = ?');
    params.push(filter.workflowId);
  }
  if (filter.nodeId !== undefined) {
    parts.push('node_id = ?');
    params.push(filter.nodeId);
  }
  if (filter.expired) {
    parts.push('expires_at <= ?');
    params.push(new Date().toISOString());
  }
  return { clause: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
}

function toEntry(row: EntryRow): NodeCacheEntry {
  return {
    key: row.key,
    workflowId: row.workflow_id,
    nodeId: row.node_id,
    output: JSON.parse(row.output) as Record<string, unknown>,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
