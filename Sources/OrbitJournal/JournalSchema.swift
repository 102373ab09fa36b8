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
    return migrator
  }
}
