import GRDB

/// Versioned migrations of the journal. Append new migrations; never edit a shipped one.
enum JournalSchema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      // One row per start of a spec in this run directory: a changed spec is a new row, and
      // its trials share the table below, keyed by content hash, so finished points are kept.
      try db.execute(
        sql: """
          CREATE TABLE sweeps (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            spec_path TEXT NOT NULL,
            spec_text TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            trial_count INTEGER NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL,
            state TEXT NOT NULL DEFAULT 'running'
          );
          CREATE TABLE trials (
            id TEXT PRIMARY KEY,
            idx INTEGER NOT NULL,
            params TEXT NOT NULL,
            status TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            worker TEXT NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL NOT NULL,
            wall_seconds REAL NOT NULL,
            metrics TEXT NOT NULL,
            stderr_tail TEXT NOT NULL,
            exit_code INTEGER,
            sweep_id TEXT NOT NULL REFERENCES sweeps(id)
          );
          CREATE TABLE workers (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            slots INTEGER NOT NULL,
            joined_at REAL NOT NULL,
            left_at REAL,
            left_reason TEXT
          );
          CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            kind TEXT NOT NULL,
            trial_id TEXT,
            worker_id TEXT,
            detail TEXT NOT NULL DEFAULT ''
          );
          CREATE TABLE progress (
            trial_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            step INTEGER NOT NULL,
            metrics TEXT NOT NULL,
            PRIMARY KEY (trial_id, attempt, step)
          );
          -- A live snapshot the coordinator rewrites about once a second, for `orbit status`.
          CREATE TABLE live (
            sweep_id TEXT PRIMARY KEY,
            updated_at REAL NOT NULL,
            running INTEGER NOT NULL,
            queued INTEGER NOT NULL,
            workers INTEGER NOT NULL
          );
          """)
    }
    migrator.registerMigration("v2-trial-identity") { db in
      // Every trial row names its plan position and parameters: a row without them (an earlier
      // Orbit wrote `idx = -1`, `params = '{}'` for results re-sent after a coordinator restart)
      // is not a result of a known trial. Such rows are dropped here, so those trials run again,
      // and the CHECK makes them impossible from now on.
      try db.execute(
        sql: """
          CREATE TABLE trials_v2 (
            id TEXT PRIMARY KEY,
            idx INTEGER NOT NULL CHECK (idx >= 0),
            params TEXT NOT NULL CHECK (substr(params, 1, 1) = '{' AND length(params) > 2),
            status TEXT NOT NULL
              CHECK (status IN ('ok', 'failed', 'diverged', 'cancelled', 'timeout', 'lost')),
            attempt INTEGER NOT NULL CHECK (attempt >= 1),
            worker TEXT NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL NOT NULL,
            wall_seconds REAL NOT NULL,
            metrics TEXT NOT NULL,
            stderr_tail TEXT NOT NULL,
            exit_code INTEGER,
            sweep_id TEXT NOT NULL REFERENCES sweeps(id)
          );
          INSERT INTO events (at, kind, detail)
            SELECT strftime('%s', 'now'), 'migration',
              'dropped ' || count(*) || ' trial rows without plan index or parameters; they run again'
            FROM trials WHERE NOT (idx >= 0 AND substr(params, 1, 1) = '{' AND length(params) > 2 AND attempt >= 1)
            HAVING count(*) > 0;
          INSERT INTO trials_v2 SELECT * FROM trials
            WHERE idx >= 0 AND substr(params, 1, 1) = '{' AND length(params) > 2 AND attempt >= 1;
          DROP TABLE trials;
          ALTER TABLE trials_v2 RENAME TO trials;
          """)
    }
    migrator.registerMigration("v3-stopped") { db in
      // `stopped` (early termination) joins the statuses the table accepts.
      try db.execute(
        sql: """
          CREATE TABLE trials_v3 (
            id TEXT PRIMARY KEY,
            idx INTEGER NOT NULL CHECK (idx >= 0),
            params TEXT NOT NULL CHECK (substr(params, 1, 1) = '{' AND length(params) > 2),
            status TEXT NOT NULL
              CHECK (status IN ('ok', 'failed', 'diverged', 'cancelled', 'timeout', 'lost', 'stopped')),
            attempt INTEGER NOT NULL CHECK (attempt >= 1),
            worker TEXT NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL NOT NULL,
            wall_seconds REAL NOT NULL,
            metrics TEXT NOT NULL,
            stderr_tail TEXT NOT NULL,
            exit_code INTEGER,
            sweep_id TEXT NOT NULL REFERENCES sweeps(id)
          );
          INSERT INTO trials_v3 SELECT * FROM trials;
          DROP TABLE trials;
          ALTER TABLE trials_v3 RENAME TO trials;
          """)
    }
    migrator.registerMigration("v4-gpus-stdout") { db in
      // Each GPU slot's devices, `;`-separated; empty for a worker without --gpus.
      try db.execute(sql: "ALTER TABLE workers ADD COLUMN gpus TEXT NOT NULL DEFAULT ''")
      // Trials the worker held at the last live snapshot (its busy slots).
      try db.execute(sql: "ALTER TABLE workers ADD COLUMN busy INTEGER NOT NULL DEFAULT 0")
      // The last 4 KiB of a command trial's stdout, ok runs too (`orbit logs` without folders).
      try db.execute(sql: "ALTER TABLE trials ADD COLUMN stdout_tail TEXT NOT NULL DEFAULT ''")
    }
    migrator.registerMigration("v5-slurm-worker-jobs") { db in
      // Worker jobs the coordinator submitted to Slurm (`--slurm-workers`): every job id, when
      // it was submitted, started, connected and ended, its last state and why (cancelled idle,
      // never connected, …). Times are wall-clock seconds, as elsewhere.
      try db.execute(
        sql: """
          CREATE TABLE worker_jobs (
            job_id TEXT PRIMARY KEY,
            sweep_id TEXT NOT NULL,
            state TEXT NOT NULL,
            submitted_at REAL NOT NULL,
            started_at REAL,
            connected_at REAL,
            ended_at REAL,
            reason TEXT NOT NULL DEFAULT '',
            worker_id TEXT
          )
          """)
    }
    migrator.registerMigration("v6-restart-state") { db in
      // What a restarted coordinator rebuilds early stopping from (issue 25): who reported each
      // progress point (the poisoning guard weighs points by worker), and the stops hyperband
      // asked for whose trial has no result yet (its `cancelled` result is then `stopped`).
      try db.execute(sql: "ALTER TABLE progress ADD COLUMN worker TEXT NOT NULL DEFAULT ''")
      try db.execute(
        sql: """
          CREATE TABLE stop_requests (
            trial_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            PRIMARY KEY (trial_id, attempt)
          )
          """)
      // The loss judge's counts (runs ended, of them deaths with their worker), with the live
      // snapshot: a restarted coordinator judges against the sweep's churn so far, not a prior.
      try db.execute(sql: "ALTER TABLE live ADD COLUMN ended_runs INTEGER NOT NULL DEFAULT 0")
      try db.execute(sql: "ALTER TABLE live ADD COLUMN deaths INTEGER NOT NULL DEFAULT 0")
    }
    migrator.registerMigration("v7-stimulus") { db in
      // The coordinator's stimulus id (issue 26) on events and results: which input caused each
      // row, so one trial's dispatches, the worker loss that re-queued it, its retries, its stop
      // and its result read as one story (`orbit logs --story`). NULL in rows written before.
      try db.execute(sql: "ALTER TABLE events ADD COLUMN stimulus INTEGER")
      try db.execute(sql: "ALTER TABLE trials ADD COLUMN stimulus INTEGER")
    }
    return migrator
  }
}
