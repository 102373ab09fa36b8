import Foundation
import GRDB
import OrbitSpec

/// A sweep's running totals as the dashboard and `orbit status` show them (`TrialIndex` keeps
/// them from `trialSummaries(afterRowID:metric:)`, reading each row once).
public struct TrialAggregates: Sendable, Equatable {
  /// Trials recorded, and those recorded in the last `window` seconds before `now`.
  public var recorded = 0
  public var recordedInWindow = 0
  /// The earliest `finished_at` in the window (when the window holds fewer seconds of results).
  public var firstInWindow: Double?
  /// Mean wall seconds of the trials that ran to the end (ok, diverged or stopped).
  public var meanCompletedSeconds: Double?
  /// Slot-seconds spent on recorded trials, and the CPU seconds they reported (`cpu_seconds`).
  public var trialSeconds = 0.0
  public var cpuSeconds: Double?
  public init() {}
}

/// One recorded trial as a dashboard's index keeps it.
public struct TrialSummary: Sendable {
  public var rowID: Int64
  public var id: String
  public var status: TrialStatus
  public var worker: String
  public var startedAt: Double
  public var finishedAt: Double
  public var wallSeconds: Double
  public var cpuSeconds: Double?
  /// The sweep's metric, when the trial reported it as a number.
  public var metric: Double?
  public var paramsJSON: String
  /// Its params and metrics are JSON objects. A row that is not (written by hand, or by an
  /// old version) is shown flagged as unreadable and left out of what needs its values.
  public var readable: Bool = true
}

/// One page of trials: which rows, in which order.
public struct TrialQuery: Sendable, Equatable {
  public enum Key: Sendable, Equatable {
    /// A journal column: `recorded` (insertion order, free), `index`, `status`, `attempt`, `worker`, `wall_seconds`, `started_at`,
    /// `finished_at`.
    case column(String)
    case parameter(String)
    case metric(String)
  }
  public var statuses: [TrialStatus] = []
  /// Parameters that must equal these values (a family's group columns).
  public var parameters: [(name: String, value: ParamValue)] = []
  public var sort: Key = .column("index")
  public var descending = false
  public var offset = 0
  public var limit = 50
  /// The trial count when the caller knows it and there are no filters: spares a count.
  public var knownTotal: Int?

  public init() {}

  public static func == (a: TrialQuery, b: TrialQuery) -> Bool {
    a.statuses == b.statuses && a.sort == b.sort && a.descending == b.descending
      && a.offset == b.offset && a.limit == b.limit
      && a.parameters.map(\.name) == b.parameters.map(\.name)
      && a.parameters.map(\.value) == b.parameters.map(\.value)
  }

  /// The journal columns a page may be sorted by, and their SQL names.
  public static let columns: [String: String] = [
    "recorded": "rowid", "index": "idx", "status": "status", "attempt": "attempt",
    "worker": "worker",
    "wall_seconds": "wall_seconds", "started_at": "started_at", "finished_at": "finished_at",
  ]
}

extension Journal {
  /// A JSON path naming one key of a params or metrics object (dotted names are one key).
  /// `json_extract(column, ?)` that is NULL, not an error, on a row whose column is not valid
  /// JSON: one bad row must not fail every query that reads values out of the others.
  static func extract(_ column: String) -> String {
    "(CASE WHEN json_valid(\(column)) THEN json_extract(\(column), ?) END)"
  }

  /// SQL true for a row whose params and metrics are both JSON objects (CASE keeps
  /// `json_type` from reading a malformed one).
  static let readableRow = """
    (CASE WHEN json_valid(params) AND json_valid(metrics)
      THEN json_type(params) = 'object' AND json_type(metrics) = 'object' ELSE 0 END)
    """

  /// Trials whose params or metrics are not JSON objects, oldest first (at most `limit` ids),
  /// and how many in all.
  public func unreadableTrials(limit: Int) throws(JournalError) -> (count: Int, ids: [String]) {
    try read("unreadable trials") { db in
      let count =
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE NOT \(Self.readableRow)")
        ?? 0
      let ids = try String.fetchAll(
        db, sql: "SELECT id FROM trials WHERE NOT \(Self.readableRow) ORDER BY rowid LIMIT ?",
        arguments: [limit])
      return (count, ids)
    }
  }

  static func jsonPath(_ key: String) -> String {
    "$.\"" + key.replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }

  /// One page of trials matching `query`, and how many match in all.
  public func trials(matching query: TrialQuery) throws(JournalError) -> (
    total: Int, page: [TrialRecord]
  ) {
    try read("a page of trials") { db in
      var conditions: [String] = []
      var arguments: [any DatabaseValueConvertible] = []
      if !query.statuses.isEmpty {
        conditions.append(
          "status IN (\(Array(repeating: "?", count: query.statuses.count).joined(separator: ",")))"
        )
        arguments += query.statuses.map(\.rawValue)
      }
      for (name, value) in query.parameters {
        conditions.append("\(Self.extract("params")) = ?")
        arguments.append(Self.jsonPath(name))
        switch value {
        case .int(let i): arguments.append(Int64(i))
        case .double(let d): arguments.append(d)
        case .bool(let b): arguments.append(b ? 1 : 0)
        case .string(let s): arguments.append(s)
        default: arguments.append(value.json)
        }
      }
      let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
      let known = conditions.isEmpty ? query.knownTotal : nil
      let total =
        try known
        ?? Int.fetchOne(
          db, sql: "SELECT COUNT(*) FROM trials \(whereClause)",
          arguments: StatementArguments(arguments)) ?? 0
      var sortArguments: [any DatabaseValueConvertible] = []
      let sortExpression: String
      switch query.sort {
      case .column(let name): sortExpression = TrialQuery.columns[name] ?? "rowid"
      case .parameter(let name):
        sortExpression = Self.extract("params")
        sortArguments.append(Self.jsonPath(name))
      case .metric(let name):
        sortExpression = Self.extract("metrics")
        sortArguments.append(Self.jsonPath(name))
      }
      let direction = query.descending ? "DESC" : "ASC"
      let order: String
      switch query.sort {
      case .column(let name):
        // Journal columns are never NULL; rowid and idx are unique (and rowid is the table's
        // own order: `recorded` pages cost no sort at all).
        let column = TrialQuery.columns[name] ?? "rowid"
        order =
          column == "rowid" || column == "idx"
          ? "\(column) \(direction)" : "\(column) \(direction), rowid"
      case .parameter, .metric:
        // Rows without the key sort last either way; insertion order breaks ties stably.
        order = "(\(sortExpression)) IS NULL, \(sortExpression) \(direction), rowid"
      }
      let sortBindings = sortArguments.isEmpty ? [] : sortArguments + sortArguments
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT \(TrialRecord.selection) FROM trials \(whereClause)
          ORDER BY \(order) LIMIT ? OFFSET ?
          """,
        arguments: StatementArguments(
          arguments + sortBindings + [max(0, query.limit), max(0, query.offset)]))
      return (total, try rows.map { try TrialRecord(row: $0) })
    }
  }

  /// One recorded trial by its id or a unique prefix of it (at least 8 hex digits, as
  /// `TrialID.short` prints); nil when none or several match.
  public func trial(idPrefix: String) throws(JournalError) -> TrialRecord? {
    guard idPrefix.count >= 8, idPrefix.count <= 64, idPrefix.allSatisfy(\.isHexDigit) else {
      return nil
    }
    return try read("a trial") { db in
      let rows = try Row.fetchAll(
        db,
        sql: "SELECT \(TrialRecord.selection) FROM trials WHERE id >= ? AND id < ? LIMIT 2",
        arguments: [idPrefix, idPrefix + "g"])
      return rows.count == 1 ? try TrialRecord(row: rows[0]) : nil
    }
  }

  /// The learning curve of one trial's recorded attempt (or of its latest attempt, while it
  /// runs and has no row yet).
  public func progressPoints(of id: TrialID) throws(JournalError) -> [ProgressPoint] {
    try read("a learning curve") { db in
      let attempt =
        try Int.fetchOne(db, sql: "SELECT attempt FROM trials WHERE id = ?", arguments: [id.hex])
        ?? Int.fetchOne(
          db, sql: "SELECT MAX(attempt) FROM progress WHERE trial_id = ?", arguments: [id.hex])
      guard let attempt else { return [] }
      return try Row.fetchAll(
        db,
        sql:
          "SELECT step, metrics FROM progress WHERE trial_id = ? AND attempt = ? AND step >= 0 ORDER BY step",
        arguments: [id.hex, attempt]
      ).map { ProgressPoint(trialID: id, step: $0[0], metricsJSON: $0[1]) }
    }
  }

  /// The distinct values the recorded trials hold for the parameters `names` (a family's
  /// group columns), typed as stored: one list per family, nil where a row lacks the name. The
  /// dashboard filters a family by these values, never by parsing its label back.
  public func distinctParameterValues(_ names: [String]) throws(JournalError) -> [[ParamValue?]] {
    guard !names.isEmpty else { return [] }
    return try read("the families") { db in
      // `->` gives each value as JSON text, so `true` stays a boolean (json_extract makes it 1).
      let columns = names.map { _ in "(CASE WHEN json_valid(params) THEN params -> ? END)" }
      let rows = try Row.fetchAll(
        db, sql: "SELECT DISTINCT \(columns.joined(separator: ", ")) FROM trials",
        arguments: StatementArguments(names.map(Self.jsonPath)))
      return rows.map { row in
        names.indices.map { i -> ParamValue? in
          guard let text = row[i] as String? else { return nil }
          return try? ParamValue.parseJSON(text)
        }
      }
    }
  }

  /// Trials with learning-curve points but no recorded result — running now, or to run again
  /// after a lost attempt — the most recently reporting first (among the latest 5,000 points:
  /// the progress table of a long sweep holds millions).
  public func unrecordedProgressTrials(limit: Int) throws(JournalError) -> [TrialID] {
    try read("running trials' curves") { db in
      try String.fetchAll(
        db,
        sql: """
          SELECT trial_id FROM (SELECT trial_id, rowid FROM progress ORDER BY rowid DESC LIMIT 5000)
          WHERE trial_id NOT IN (SELECT id FROM trials)
          GROUP BY trial_id ORDER BY MAX(rowid) DESC LIMIT ?
          """, arguments: [limit]
      ).map(TrialRecord.id(hex:))
    }
  }

  /// What a dashboard's in-memory index keeps of each trial recorded after `rowID` (SQLite's
  /// rowid: trials are only ever appended while a coordinator runs), in insertion order.
  public func trialSummaries(afterRowID rowID: Int64, metric: String) throws(JournalError)
    -> [TrialSummary]
  {
    try read("new trials") { db in
      let rows = try Row.fetchCursor(
        db,
        sql: """
          SELECT rowid, id, status, worker, started_at, finished_at, wall_seconds,
                 \(Self.extract("metrics")), \(Self.extract("metrics")), params,
                 \(Self.readableRow)
          FROM trials WHERE rowid > ? ORDER BY rowid
          """, arguments: [Self.jsonPath("cpu_seconds"), Self.jsonPath(metric), rowID])
      var result: [TrialSummary] = []
      while let row = try rows.next() {
        let text: String = row[2]
        guard let status = TrialStatus(rawValue: text) else {
          throw JournalError(
            .corrupt, "a trial has status '\(text)', which this Orbit does not know")
        }
        // Only numbers count as the metric (a program may log a string under its name).
        let stored: DatabaseValue = row[8]
        var value: Double?
        switch stored.storage {
        case .int64(let i): value = Double(i)
        case .double(let d): value = d
        default: value = nil
        }
        result.append(
          TrialSummary(
            rowID: row[0], id: row[1], status: status, worker: row[3], startedAt: row[4],
            finishedAt: row[5], wallSeconds: row[6], cpuSeconds: row[7], metric: value,
            paramsJSON: row[9], readable: row[10]))
      }
      return result
    }
  }

  /// Trials recorded after `rowID`, with their rowids, in insertion order.
  public func trials(afterRowID rowID: Int64) throws(JournalError) -> [(Int64, TrialRecord)] {
    try read("new trials") { db in
      let rows = try Row.fetchCursor(
        db,
        sql: "SELECT \(TrialRecord.selection), rowid FROM trials WHERE rowid > ? ORDER BY rowid",
        arguments: [rowID])
      var result: [(Int64, TrialRecord)] = []
      while let row = try rows.next() { result.append((row[13], try TrialRecord(row: row))) }
      return result
    }
  }

  /// Recorded trials in all: with `trialSummaries`, how a dashboard notices rows removed
  /// (`--retry-failed` forgets failures before a coordinator starts).
  public func trialCount() throws(JournalError) -> Int {
    try read("the trial count") { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials") ?? 0
    }
  }

  /// Full rows by rowid, in the order given (the dashboard's failures list).
  public func trials(rowIDs: [Int64]) throws(JournalError) -> [TrialRecord] {
    guard !rowIDs.isEmpty else { return [] }
    return try read("trials") { db in
      let rows = try Row.fetchAll(
        db,
        sql:
          "SELECT \(TrialRecord.selection), rowid FROM trials WHERE rowid IN (\(rowIDs.map(String.init).joined(separator: ",")))"
      )
      var byRowID: [Int64: TrialRecord] = [:]
      for row in rows { byRowID[row[13]] = try TrialRecord(row: row) }
      return rowIDs.compactMap { byRowID[$0] }
    }
  }

  /// Trials recorded and not ok, per worker: (done, failed).
  public func trialCountsByWorker() throws(JournalError) -> [String: (done: Int, failed: Int)] {
    try read("trials per worker") { db in
      var result: [String: (done: Int, failed: Int)] = [:]
      for row in try Row.fetchAll(
        db,
        sql:
          "SELECT worker, COUNT(*), SUM(status IN (\(Self.failureStatusList))) FROM trials GROUP BY worker"
      ) {
        result[row[0]] = (row[1], row[2])
      }
      return result
    }
  }
}
