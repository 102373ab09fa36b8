import Foundation
import OrbitAnalysis
import OrbitJournal
import OrbitSpec

/// `trials.csv`: one row per recorded trial, parameters and metrics flattened into columns, in
/// a form `pandas.read_csv` loads as is (RFC 4180 quoting, numbers unquoted, empty = missing).
public enum TrialsCSV {
  static let fixedColumns = [
    "trial_id", "index", "status", "attempt", "worker", "wall_seconds", "exit_code", "trial_dir",
  ]

  /// A trial's folder relative to the run directory, as `orbit run`'s workers keep it
  /// (`trials/<id>/attempt-N`); a separate worker keeps the same `<id>/attempt-N` under its
  /// `--trial-dir`.
  static func trialFolder(_ trial: TrialRecord) -> String {
    "trials/\(trial.id.hex)/attempt-\(trial.attempt)"
  }

  /// Streams the journal to `path` in two passes (column names, then rows): memory stays flat
  /// however many trials the sweep has.
  public static func write(journal: Journal, to path: String) throws {
    let points = try DataPoints(journal: journal)
    var paramNames = Set<String>()
    var metricNames = points.metricNames
    try journal.forEachTrial { trial in
      paramNames.formUnion(object(trial.paramsJSON).keys)
      metricNames.formUnion(object(trial.metricsJSON).keys)
    }
    let columns = Columns(params: paramNames, metrics: metricNames, points: points)
    guard FileManager.default.createFile(atPath: path + ".part", contents: nil),
      let out = FileHandle(forWritingAtPath: path + ".part")
    else {
      throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
    }
    var buffer = columns.header + "\n"
    try journal.forEachTrial { trial in
      for row in columns.rows(trial) { buffer += row + "\n" }
      if buffer.utf8.count > 1 << 20 {
        out.write(Data(buffer.utf8))
        buffer.removeAll(keepingCapacity: true)
      }
    }
    out.write(Data(buffer.utf8))
    try out.close()
    _ = try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.moveItem(atPath: path + ".part", toPath: path)
  }

  /// Learning curves in long form, one row per (trial, step, metric), for pandas:
  /// `trial_id, <parameters…>, step, metric, value` (`orbit export --curves`). Points of trials
  /// not in `trials` are left out.
  public static func renderCurves(_ points: [ProgressPoint], trials: [TrialRecord]) -> String {
    let byID = Dictionary(trials.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    let params = Set(trials.flatMap { object($0.paramsJSON).keys }).sorted()
    var lines = [
      (["trial_id"] + params + ["step", "metric", "value"]).map(field).joined(separator: ",")
    ]
    for point in points {
      guard let trial = byID[point.trialID] else { continue }
      let p = object(trial.paramsJSON)
      let prefix = [trial.id.hex] + params.map { p[$0].map(cell) ?? "" } + [String(point.step)]
      for (metric, value) in object(point.metricsJSON).sorted(by: { $0.key < $1.key }) {
        lines.append((prefix + [metric, cell(value)]).map(field).joined(separator: ","))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Renders trials held in memory (`orbit export`, `orbit report`); a trial with data points
  /// is one row per point.
  public static func render(_ trials: [TrialRecord], points: DataPoints = DataPoints()) -> String {
    let columns = Columns(trials, points: points)
    var lines = [columns.header]
    lines.reserveCapacity(trials.count + 1)
    for trial in trials { lines += columns.rows(trial) }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The trials as the analysis reads them: the columns and cells of `render(trials, points:)`,
  /// which `Table.parseCSV` would read back, without the text in between.
  package static func table(_ trials: [TrialRecord], points: DataPoints = DataPoints()) -> Table {
    let columns = Columns(trials, points: points)
    return Table(columns: columns.names, rows: trials.flatMap(columns.cellRows))
  }

  /// The data points of a sweep's trials (`{"_point": true, …}` lines: cooldown branches of the
  /// core's `wsd` schedule, or a program's own), by trial, in the order reached. Each is a row of
  /// its own for the analysis and the CSVs — a valid (N, D, L) measurement even when its trial
  /// was stopped later — with the trial's parameters and a `point` column (1, 2, …).
  public struct DataPoints: Sendable {
    var byTrial: [TrialID: [[String: ParamValue]]] = [:]

    public init() {}

    /// The points of every trial's recorded attempt.
    public init(journal: Journal) throws(JournalError) {
      for point in try journal.dataPoints() {
        var metrics = TrialsCSV.object(point.metricsJSON)
        metrics["_point"] = nil
        byTrial[point.trialID, default: []].append(metrics)
      }
    }

    var isEmpty: Bool { byTrial.isEmpty }
    var metricNames: Set<String> { Set(byTrial.values.flatMap { $0.flatMap(\.keys) }) }
  }

  /// The CSV's columns: fixed ones, then parameters, then metrics (all sorted).
  struct Columns {
    let params: [String]
    let metrics: [String]
    /// Every column's name, in order; a metric named like a parameter or a fixed column keeps
    /// both: the metric's gets a `metric.` prefix.
    let names: [String]

    /// The sweep's data points; with any, a `point` column follows the fixed ones.
    let points: DataPoints

    init(params: Set<String>, metrics: Set<String>, points: DataPoints = DataPoints()) {
      self.params = params.sorted()
      self.metrics = metrics.sorted()
      self.points = points
      let fixed = fixedColumns + (points.isEmpty ? [] : ["point"])
      let taken = Set(fixed).union(params)
      let metricNames = self.metrics.map { taken.contains($0) ? "metric.\($0)" : $0 }
      names = fixed + self.params + metricNames
    }

    /// The columns of `trials`: every parameter and metric any of them (or their points) has.
    init(_ trials: [TrialRecord], points: DataPoints = DataPoints()) {
      var paramNames = Set<String>()
      var metricNames = points.metricNames
      for trial in trials {
        paramNames.formUnion(object(trial.paramsJSON).keys)
        metricNames.formUnion(object(trial.metricsJSON).keys)
      }
      self.init(params: paramNames, metrics: metricNames, points: points)
    }

    /// The trial's rows: one per data point when it has any (status `ok`: a point is a
    /// finished measurement of its own schedule), else its own.
    func cellRows(_ trial: TrialRecord) -> [[String]] {
      guard let reached = points.byTrial[trial.id], !reached.isEmpty else {
        return [cells(trial)]
      }
      return reached.enumerated().map { k, metrics in
        cells(trial, metrics: metrics, status: TrialStatus.ok.rawValue, point: k + 1)
      }
    }

    func rows(_ trial: TrialRecord) -> [String] {
      cellRows(trial).map { $0.map(field).joined(separator: ",") }
    }

    var header: String { names.map(field).joined(separator: ",") }

    /// The trial's cells, one per column: empty where it has no such parameter or metric.
    /// - Parameters: metrics, status, point: a data point's, instead of the trial's own.
    func cells(
      _ trial: TrialRecord, metrics pointMetrics: [String: ParamValue]? = nil,
      status: String? = nil, point: Int? = nil
    ) -> [String] {
      let p = object(trial.paramsJSON)
      let m = pointMetrics ?? object(trial.metricsJSON)
      var row = [
        trial.id.hex, String(trial.index), status ?? trial.status.rawValue, String(trial.attempt),
        neutralised(trial.worker),
        number(trial.wallSeconds), trial.exitCode.map(String.init) ?? "", trialFolder(trial),
      ]
      if !points.isEmpty { row.append(point.map(String.init) ?? "") }
      row += params.map { p[$0].map(cell) ?? "" }
      row += metrics.map { m[$0].map(cell) ?? "" }
      return row
    }
  }

  package static func object(_ json: String) -> [String: ParamValue] {
    if case .object(let o) = try? ParamValue.parseJSON(json) { return o }
    return [:]
  }

  package static func cell(_ value: ParamValue) -> String {
    switch value {
    case .null: return ""
    case .bool(let b): return b ? "True" : "False"
    case .int(let i): return String(i)
    case .double(let d): return number(d)
    case .string(let s): return neutralised(s)
    case .list, .object: return value.canonicalJSON
    }
  }

  /// Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return
  /// first) gets a leading `'`, as OWASP recommends for CSV injection: a worker id or a metric a
  /// peer or program chooses must not become `=HYPERLINK(…)` in the user's spreadsheet. Numbers
  /// are never strings here, so `-0.5` stays a number.
  static func neutralised(_ text: String) -> String {
    guard let first = text.utf8.first,
      [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D]
        .contains(first)
    else { return text }
    if ParamValue.nonFiniteNames.contains(text) { return text }
    return "'" + text
  }

  private static func number(_ d: Double) -> String {
    if d.isNaN { return "" }
    if d.isInfinite { return d > 0 ? "inf" : "-inf" }
    return "\(d)"
  }

  /// Quotes a field when it holds a comma, quote or line break (RFC 4180), doubling its quotes.
  /// Works on bytes, as `Table.parseCSV` reads them, not on Characters: "\r\n" is one Character
  /// equal to neither "\r" nor "\n", and a quote followed by a combining mark is not "\"".
  private static func field(_ text: String) -> String {
    let quote = UInt8(ascii: "\"")
    let comma = UInt8(ascii: ",")
    let lineFeed = UInt8(ascii: "\n")
    let carriageReturn = UInt8(ascii: "\r")
    let special = { (byte: UInt8) in
      byte == comma || byte == quote || byte == lineFeed || byte == carriageReturn
    }
    guard text.utf8.contains(where: special) else { return text }
    var bytes = [quote]
    bytes.reserveCapacity(text.utf8.count + 2)
    for byte in text.utf8 {
      bytes.append(byte)
      if byte == quote { bytes.append(quote) }
    }
    bytes.append(quote)
    return String(decoding: bytes, as: UTF8.self)
  }
}
