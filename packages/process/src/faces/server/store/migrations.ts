import type Database from 'better-sqlite3';

// Each entry moves the schema one version up; `PRAGMA user_version` records how far a
// database file has come, so an old file is upgraded in place and never rebuilt.
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    workflow_id   TEXT NOT NULL,
    workflow_name TEXT,
    status        TEXT NOT NULL,
    input         TEXT NOT NULL,
    error         TEXT,
    created_at    TEXT NOT NULL,
    finished_at   TEXT,
    duration_ms   INTEGER
  );
  CREATE INDEX runs_by_created ON runs (created_at DESC);
  CREATE INDEX runs_by_workflow ON runs (workflow_id, created_at DESC);
  CREATE INDEX runs_by_status ON runs (status);

  CREATE TABLE node_results (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id      TEXT NOT NULL,
    status       TEXT NOT NULL,
    output       TEXT,
    exit_code    INTEGER,
    duration_ms  INTEGER,
    iterations   INTEGER NOT NULL DEFAULT 1,
    light_run_id TEXT,
    error        TEXT,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    logs_dropped INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, node_id)
  );

  CREATE TABLE logs (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    stream  TEXT NOT NULL,
    line    TEXT NOT NULL,
    time    TEXT NOT NULL
  );
  CREATE INDEX logs_by_node ON logs (run_id, node_id, seq);

  -- light-run runs (steps and services) a run has in flight, to cancel after a crash
  CREATE TABLE light_runs (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    light_run_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (run_id, light_run_id)
  );
  `,
  // Map nodes: element counts on the node, one row per element (never inside the node's
  // row or its events, so 10,000 elements cost 10,000 small rows), the element of a log line.
  `
  ALTER TABLE node_results ADD COLUMN map_total INTEGER;
  ALTER TABLE node_results ADD COLUMN map_done INTEGER;
  ALTER TABLE node_results ADD COLUMN map_failed INTEGER;
  ALTER TABLE logs ADD COLUMN element INTEGER;

  CREATE TABLE map_elements (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id      TEXT NOT NULL,
    idx          INTEGER NOT NULL,
    status       TEXT NOT NULL,
    exit_code    INTEGER,
    duration_ms  INTEGER,
    error        TEXT,
    light_run_id TEXT,
    PRIMARY KEY (run_id, node_id, idx)
  ) WITHOUT ROWID;
  `,
  // Triggers and admission: what started a run, when it left the queue, and schedule state.
  `
  ALTER TABLE runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'manual';
  ALTER TABLE runs ADD COLUMN started_at TEXT;
  UPDATE runs SET started_at = created_at;
  CREATE INDEX runs_by_trigger ON runs (trigger, created_at DESC);

  CREATE TABLE schedules (
    workflow_id  TEXT NOT NULL,
    idx          INTEGER NOT NULL,
    paused       INTEGER NOT NULL DEFAULT 0,
    last_fire_at TEXT,
    PRIMARY KEY (workflow_id, idx)
  );
  `,
  // Durable execution (issue 14): attempts per node and per log line, retries for replays,
  // cached outputs, and what a resume needs (the run it resumed, node fingerprints).
  `
  ALTER TABLE runs ADD COLUMN resumed_from TEXT;
  ALTER TABLE runs ADD COLUMN fingerprints TEXT;
  ALTER TABLE node_results ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE node_results ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE logs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;

  CREATE TABLE node_retries (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id  TEXT NOT NULL,
    attempt  INTEGER NOT NULL,
    of       INTEGER NOT NULL,
    delay_ms INTEGER NOT NULL,
    reason   TEXT NOT NULL,
    time     TEXT NOT NULL
  );
  CREATE INDEX node_retries_by_run ON node_retries (run_id, seq);
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings a database up to `SCHEMA_VERSION`, one transaction per step. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    const step = db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    });
    step();
  }
}
