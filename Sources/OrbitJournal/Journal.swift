import Foundation
import GRDB
import OrbitSpec

/// A result ready to be journaled: the outcome plus what the coordinator knows of the trial.
public struct JournalEntry: Sendable {
  public var outcome: TrialOutcome
  public var index: Int
  public var paramsJSON: String
  public var workerID: String
  public var finishedAt: Double
  /// The coordinator's stimulus id of the input that decided it (`orbit logs --story`), or nil.
  public var stimulus: Int64?

  public init(
    outcome: TrialOutcome, index: Int, paramsJSON: String, workerID: String, finishedAt: Double,
    stimulus: Int64? = nil
  ) {
    self.outcome = outcome
    self.index = index
    self.paramsJSON = paramsJSON
    self.workerID = workerID
    self.finishedAt = finishedAt
    self.stimulus = stimulus
  }
}

/// The sweep's SQLite journal, in WAL mode: the single source of truth for what has run.
///
/// Written only by the coordinator; other processes (`orbit status`, `orbit export`) open it
/// read-only while it runs. One connection owned by this object; not `Sendable`.
public final class Journal {
  let database: DatabaseQueue
  public let path: String
  /// The filesystem the journal is on: what chose its journal mode (WAL only on a local disk).
  public let fileSystem: FileSystemKind

  /// Opens (creating and migrating if needed) the journal at `path`.
  public init(path: String, readOnly: Bool = false) throws(JournalError) {
    self.path = path
    let fileSystem = FileSystemKind.of(path)
    self.fileSystem = fileSystem
    var configuration = Configuration()
    configuration.readonly = readOnly
    configuration.busyMode = .timeout(10)
    if !readOnly {
      configuration.prepareDatabase { db in
        // WAL lets `orbit status` read while the coordinator writes; on a network filesystem
        // (one host's shared memory cannot be shared) a rollback journal and the filesystem's
        // locks. synchronous=FULL keeps a committed result durable across power loss: group
        // commits pay for it, not a weaker rule.
        try db.execute(sql: "PRAGMA journal_mode = \(fileSystem.journalMode)")
        try db.execute(sql: "PRAGMA synchronous = FULL")
        // Trial ids are hashes, so each insert lands at a random place in the primary-key index:
        // a larger page cache keeps that index in memory (8 MiB ≈ 1.5 M trials), and rarer
        // checkpoints copy the WAL into the database in larger, cheaper runs.
        try db.execute(sql: "PRAGMA cache_size = -8192")
        try db.execute(sql: "PRAGMA wal_autocheckpoint = 4000")
      }
    }
    if readOnly && !FileManager.default.fileExists(atPath: path) {
      throw JournalError(.cannotOpen, "\(path): no journal here; pass the run directory of a sweep")
    }
    do {
      database = try DatabaseQueue(path: path, configuration: configuration)
      if !readOnly {
        try JournalSchema.migrator.migrate(database)
      } else {
        let ok = try database.read { try $0.tableExists("trials") }
        if !ok { throw JournalError(.notAJournal, "\(path) is not an Orbit journal") }
      }
    } catch let error as JournalError {
      throw error
    } catch {
      throw JournalError(.cannotOpen, "\(path): cannot open the journal: \(error)")
    }
  }

  /// Closes the connection, checkpointing the WAL into the main file.
  public func close() throws(JournalError) {
    do { try database.close() } catch { throw JournalError(.io, "\(path): close failed: \(error)") }
  }

  func write<T>(_ what: String, _ body: (Database) throws -> T) throws(JournalError) -> T {
    do { return try database.write(body) } catch {
      throw JournalError(.io, "\(path): could not write \(what): \(error). Check free disk space.")
    }
  }

  func read<T>(_ what: String, _ body: (Database) throws -> T) throws(JournalError) -> T {
    do { return try database.read(body) } catch let error as JournalError {
      throw error
    } catch {
      throw JournalError(.io, "\(path): could not read \(what): \(error)")
    }
  }

  // MARK: Sweeps

  /// Records a start of `spec` in this run directory and returns the sweep id.
  public func beginSweep(
    name: String, specPath: String, specText: String, fingerprint: String, trialCount: Int,
    now: Double
  )
    throws(JournalError) -> String
  {
    let id = "\(fingerprint.prefix(12))-\(Int(now * 1000))"
    try write("the sweep") { db in
      try db.execute(
        sql: """
          INSERT INTO sweeps (id, name, spec_path, spec_text, fingerprint, trial_count, started_at)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """, arguments: [id, name, specPath, specText, fingerprint, trialCount, now])
    }
    return id
  }

  /// Continues sweep `id` under `specText` (the same sweep, resumed, perhaps with grid points
  /// added): the sweep keeps its id, so leases and results issued before a restart stay valid.
  public func resumeSweep(
    id: String, specPath: String, specText: String, fingerprint: String, trialCount: Int
  ) throws(JournalError) {
    try write("the sweep") { db in
      try db.execute(
        sql: """
          UPDATE sweeps SET spec_path = ?, spec_text = ?, fingerprint = ?, trial_count = ?,
            state = 'running', finished_at = NULL WHERE id = ?
          """, arguments: [specPath, specText, fingerprint, trialCount, id])
      // Workers of a coordinator that was killed never had their leaving written: they are not
      // connected to this one until they join again.
      try Self.closeWorkers(reason: "coordinator restarted", now: Date().timeIntervalSince1970, db)
    }
  }

  /// `PRAGMA integrity_check`: nil when the file is sound, else what SQLite found. Not
  /// `quick_check`, which does not compare indexes with their tables: a damaged trial-id index
  /// would let a resumed sweep run finished trials again.
  public func damage() throws(JournalError) -> String? {
    let lines = try read("the journal's integrity") { db in
      try String.fetchAll(db, sql: "PRAGMA integrity_check(5)")
    }
    return lines == ["ok"] ? nil : lines.prefix(5).joined(separator: "; ")
  }

  /// `PRAGMA quick_check`: the cheaper check (pages, records, no index-to-table comparison),
  /// for every journal opened to be served (`orbit serve`, the dashboard), so a damaged file is
  /// named at once rather than read without a word (issue 25). Nil when sound.
  public func quickDamage() throws(JournalError) -> String? {
    let lines = try read("the journal's integrity") { db in
      try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
    }
    return lines == ["ok"] ? nil : lines.prefix(5).joined(separator: "; ")
  }

  public func finishSweep(id: String, state: String, now: Double) throws(JournalError) {
    try write("the sweep's end") { db in
      try db.execute(
        sql: "UPDATE sweeps SET finished_at = ?, state = ? WHERE id = ?",
        arguments: [now, state, id])
      try db.execute(sql: "DELETE FROM live WHERE sweep_id = ?", arguments: [id])
      try Self.closeWorkers(reason: "sweep \(state)", now: now, db)
    }
  }

  /// Marks every worker still recorded as connected as gone, busy with nothing.
  static func closeWorkers(reason: String, now: Double, _ db: Database) throws {
    try db.execute(
      sql: "UPDATE workers SET left_at = ?, left_reason = ?, busy = 0 WHERE left_at IS NULL",
      arguments: [now, reason])
  }

  /// The newest sweep started in this journal.
  public func latestSweep() throws(JournalError) -> SweepRecord? {
    try read("sweeps") { db in
      try Row.fetchOne(db, sql: "SELECT * FROM sweeps ORDER BY started_at DESC LIMIT 1").map(
        SweepRecord.init)
    }
  }

  // MARK: Trials

  /// Ids of every trial with a recorded result.
  public func finishedTrialIDs() throws(JournalError) -> Set<TrialID> {
    try read("finished trials") { db in
      Set(try String.fetchAll(db, sql: "SELECT id FROM trials").map(TrialRecord.id(hex:)))
    }
  }

  /// Records a batch of results in one transaction (a group commit).
  ///
  /// The first result for a trial id wins; for each entry, returns whether it was recorded
  /// (false: a duplicate from a re-run after a fault, logged as an event and dropped).
  @discardableResult
  public func record(_ entries: [JournalEntry], sweepID: String) throws(JournalError) -> [Bool] {
    if entries.isEmpty { return [] }
    return try write("\(entries.count) results") { db in
      try Self.insert(entries, sweepID: sweepID, in: db)
    }
  }

  /// The first-result-wins insert, inside the caller's transaction. Only a second result for
  /// an id is skipped: a row breaking the table's CHECKs (no plan index, no parameters) fails
  /// the transaction loudly rather than vanishing.
  /// - Parameter recordedAt: the wall-clock time to record as every entry's `finished_at` (when
  ///   the coordinator received them), or nil to keep each entry's own.
  static func insert(
    _ entries: [JournalEntry], sweepID: String, recordedAt: Double? = nil, in db: Database
  ) throws -> [Bool] {
    let insert = try db.cachedStatement(
      sql: """
        INSERT INTO trials (id, idx, params, status, attempt, worker, started_at,
          finished_at, wall_seconds, metrics, stderr_tail, exit_code, sweep_id, stdout_tail,
          stimulus)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO NOTHING
        """)
    var inserted: [Bool] = []
    inserted.reserveCapacity(entries.count)
    for e in entries {
      let o = e.outcome
      try insert.execute(arguments: [
        o.trialID.hex, e.index, e.paramsJSON, o.status.rawValue, o.attempt, e.workerID, o.startedAt,
        recordedAt ?? e.finishedAt, o.wallSeconds, o.metricsJSON, o.stderrTail, o.exitCode, sweepID,
        o.stdoutTail, e.stimulus,
      ])
      let fresh = db.changesCount == 1
      inserted.append(fresh)
      if !fresh {
        try db.execute(
          sql:
            "INSERT INTO events (at, kind, trial_id, worker_id, detail, stimulus) VALUES (?, 'duplicate_result', ?, ?, ?, ?)",
          arguments: [
            recordedAt ?? e.finishedAt, o.trialID.hex, e.workerID,
            "attempt \(o.attempt) \(o.status.rawValue) dropped: first result wins", e.stimulus,
          ])
      }
    }
    return inserted
  }

  /// `'failed', 'timeout', …`: the statuses `TrialStatus.isFailure` names, for SQL.
  static let failureStatusList = TrialStatus.allCases.filter(\.isFailure).map { "'\($0.rawValue)'" }
    .joined(separator: ", ")

  /// Forgets results that failed (`TrialStatus.isFailure`) so a resumed sweep runs those trials
  /// again; returns how many. Diverged trials are results, not failures, and stay.
  @discardableResult
  /// Forgets the failed trials (`--retry-failed`), returning each one's last attempt number so
  /// its next run continues the count (`ORBIT_ATTEMPT` 2 after a failed 1, issue 22).
  public func forgetFailures() throws(JournalError) -> [TrialID: Int] {
    try write("forgotten failures") { db in
      var attempts: [TrialID: Int] = [:]
      let rows = try Row.fetchAll(
        db, sql: "SELECT id, attempt FROM trials WHERE status IN (\(Self.failureStatusList))")
      for row in rows {
        if let id = TrialID(hex: row[0]) { attempts[id] = row[1] }
      }
      try db.execute(
        sql: "DELETE FROM trials WHERE status IN (\(Self.failureStatusList))")
      return attempts
    }
  }

  /// Every recorded trial, in dispatch order.
  public func trials() throws(JournalError) -> [TrialRecord] {
    try read("trials") { db in
      try Row.fetchAll(db, sql: "SELECT \(TrialRecord.selection) FROM trials ORDER BY idx").map {
        try TrialRecord(row: $0)
      }
    }
  }

  /// Calls `body` with every recorded trial in dispatch order, one row in memory at a time.
  public func forEachTrial(_ body: (TrialRecord) throws -> Void) throws(JournalError) {
    try read("trials") { db in
      let rows = try Row.fetchCursor(
        db, sql: "SELECT \(TrialRecord.selection) FROM trials ORDER BY idx")
      while let row = try rows.next() { try body(try TrialRecord(row: row)) }
    }
  }

  /// (id, index) of every recorded trial: what a restarted coordinator needs to skip them.
  public func finishedTrials() throws(JournalError) -> [(id: TrialID, index: Int)] {
    try read("finished trials") { db in
      var result: [(id: TrialID, index: Int)] = []
      let rows = try Row.fetchCursor(db, sql: "SELECT id, idx FROM trials")
      while let row = try rows.next() { result.append((try TrialRecord.id(hex: row[0]), row[1])) }
      return result
    }
  }

  /// Counts of recorded trials by status.
  public func statusCounts() throws(JournalError) -> [String: Int] {
    try read("counts") { db in
      var counts: [String: Int] = [:]
      for row in try Row.fetchAll(
        db, sql: "SELECT status, COUNT(*) AS n FROM trials GROUP BY status")
      {
        counts[row["status"]] = row["n"]
      }
      return counts
    }
  }

  // MARK: Workers, events, live state

  public func workers() throws(JournalError) -> [WorkerRecord] {
    try read("workers") { db in
      try Row.fetchAll(db, sql: "SELECT * FROM workers ORDER BY joined_at").map(WorkerRecord.init)
    }
  }

  /// Records one event (outside the coordinator's writer thread: before it starts or after).
  public func recordEvent(kind: String, detail: String, now: Double) throws(JournalError) {
    try write("an event") { db in
      try db.execute(
        sql: "INSERT INTO events (at, kind, detail) VALUES (?, ?, ?)",
        arguments: [now, kind, detail])
    }
  }

  /// Every learning-curve point of the trials' recorded attempts, by trial and step. Data points
  /// (`_point` lines, stored at negative steps: docs/PROTOCOL.md) are not curve points.
  public func progressPoints() throws(JournalError) -> [ProgressPoint] {
    try read("learning curves") { db in
      let rows = try Row.fetchCursor(
        db,
        sql: """
          SELECT p.trial_id, p.step, p.metrics FROM progress p
          JOIN trials t ON t.id = p.trial_id AND t.attempt = p.attempt
          WHERE p.step >= 0
          ORDER BY t.idx, p.step
          """)
      var points: [ProgressPoint] = []
      while let row = try rows.next() {
        points.append(
          ProgressPoint(
            trialID: try TrialRecord.id(hex: row[0]), step: row[1], metricsJSON: row[2]))
      }
      return points
    }
  }

  /// Every data point (`_point` lines, stored at steps −1, −2, … in the order reached) of the
  /// trials' recorded attempts, by trial and in that order.
  public func dataPoints() throws(JournalError) -> [ProgressPoint] {
    try read("data points") { db in
      let rows = try Row.fetchCursor(
        db,
        sql: """
          SELECT p.trial_id, p.step, p.metrics FROM progress p
          JOIN trials t ON t.id = p.trial_id AND t.attempt = p.attempt
          WHERE p.step < 0
          ORDER BY t.idx, p.step DESC
          """)
      var points: [ProgressPoint] = []
      while let row = try rows.next() {
        points.append(
          ProgressPoint(
            trialID: try TrialRecord.id(hex: row[0]), step: row[1], metricsJSON: row[2]))
      }
      return points
    }
  }

  /// Every progress point, in the order it was written (what early stopping saw, in order),
  /// for a restarted coordinator to rebuild its histories from. Rows whose trial id does not
  /// parse are skipped.
  public func forEachProgressRow(
    _ body: (_ trialID: TrialID, _ attempt: Int, _ step: Int, _ metrics: String, _ worker: String)
      -> Void
  ) throws(JournalError) {
    try read("progress") { db in
      let rows = try Row.fetchCursor(
        db, sql: "SELECT trial_id, attempt, step, metrics, worker FROM progress ORDER BY rowid")
      while let row = try rows.next() {
        guard let id = try? TrialRecord.id(hex: row[0]) else { continue }
        body(id, row[1], row[2], row[3], row[4])
      }
    }
  }

  /// Stops early stopping asked for whose trial has no result yet: (trial, attempt).
  public func pendingStopRequests() throws(JournalError) -> [(trialID: TrialID, attempt: Int)] {
    try read("stop requests") { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT trial_id, attempt FROM stop_requests
          WHERE trial_id NOT IN (SELECT id FROM trials) ORDER BY rowid
          """
      ).compactMap { row in
        (try? TrialRecord.id(hex: row[0])).map { ($0, row[1]) }
      }
    }
  }

  /// Workers the journal still shows connected (a coordinator killed without writing their
  /// leaving): the ones a restarted coordinator waits for before it dispatches.
  public func connectedWorkerIDs() throws(JournalError) -> [String] {
    try read("workers") { db in
      try String.fetchAll(db, sql: "SELECT id FROM workers WHERE left_at IS NULL ORDER BY id")
    }
  }

  public func events(kind: String? = nil) throws(JournalError) -> [EventRecord] {
    try read("events") { db in
      if let kind {
        return try Row.fetchAll(
          db, sql: "SELECT * FROM events WHERE kind = ? ORDER BY seq", arguments: [kind]
        )
        .map(EventRecord.init)
      }
      return try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY seq").map(EventRecord.init)
    }
  }

  public func live(sweepID: String) throws(JournalError) -> LiveRecord? {
    try read("the live state") { db in
      try Row.fetchOne(db, sql: "SELECT * FROM live WHERE sweep_id = ?", arguments: [sweepID]).map(
        LiveRecord.init)
    }
  }
}
