import type Database from 'better-sqlite3';
import {
  type ElementRow,
  type LogRow,
  type NodeRow,
  type RunRow,
  toElementRecord,
  toLogLine,
  toNodeRecord,
  toRunInput,
  toRunSummary,
} from './rows.ts';
import type { ElementPage, ListRunsQuery, RunPage, RunRecord, StoredLogLine } from './types.ts';

// The read side of the history: a run with its nodes and logs, and pages of runs.

/** A run with its nodes and their logs, or undefined for an unknown id. */
export function readRun(db: Database.Database, id: string): RunRecord | undefined {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  if (!row) return undefined;
  const nodeRows = db
    .prepare('SELECT * FROM node_results WHERE run_id = ? ORDER BY started_at, rowid')
    .all(id) as NodeRow[];
  const logRows = db
    .prepare('SELECT node_id, stream, line, time, attempt, element FROM logs WHERE run_id = ? ORDER BY seq')
    .all(id) as LogRow[];
  const logs = new Map<string, StoredLogLine[]>();
  for (const log of logRows) {
    const list = logs.get(log.node_id) ?? [];
    list.push(toLogLine(log));
    logs.set(log.node_id, list);
  }
  const nodes = nodeRows.map((n) => toNodeRecord(n, logs.get(n.node_id) ?? []));
  return { ...toRunSummary(row), input: toRunInput(row), nodes };
}

/** One page of a map node's elements, by index. */
export function readElementPage(
  db: Database.Database,
  runId: string,
  nodeId: string,
  page: { offset: number; limit: number },
): ElementPage {
  const total = (
    db
      .prepare('SELECT count(*) AS n FROM map_elements WHERE run_id = ? AND node_id = ?')
      .get(runId, nodeId) as {
      n: number;
    }
  ).n;
  const rows = db
    .prepare(
      `SELECT idx, status, exit_code, duration_ms, error, light_run_id FROM map_elements
       WHERE run_id = ? AND node_id = ? ORDER BY idx LIMIT ? OFFSET ?`,
    )
    .all(runId, nodeId, page.limit, page.offset) as ElementRow[];
  return { elements: rows.map(toElementRecord), total };
}

/** One page of runs, newest first, filtered by workflow, status and trigger. */
export function readRunPage(db: Database.Database, query: ListRunsQuery): RunPage {
  const limit = query.limit ?? 50;
  const offset = query.offset ?? 0;
  const where: string[] = [];
  const params: string[] = [];
  if (query.workflowId !== undefined) {
    where.push('workflow_id = ?');
    params.push(query.workflowId);
  }
  if (query.status !== undefined) {
    where.push('status = ?');
    params.push(query.status);
  }
  if (query.trigger !== undefined) {
    where.push('trigger = ?');
    params.push(query.trigger);
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT count(*) AS n FROM runs ${clause}`).get(...params) as { n: number }).n;
  const rows = db
    .prepare(`SELECT * FROM runs ${clause} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`)
    .all(...params, limit, offset) as RunRow[];
  const nextOffset = offset + rows.length < total ? offset + rows.length : null;
  return { runs: rows.map(toRunSummary), total, nextOffset };
}
