import Foundation
import OrbitJournal
import OrbitSpec

/// `trials.csv`: one row per recorded trial, parameters and metrics flattened into columns, in
/// a form `pandas.read_csv` loads as is (RFC 4180 quoting, numbers unquoted, empty = missing).
enum TrialsCSV {
  static let fixedColumns = [
    "trial_id", "index", "status", "attempt", "worker", "wall_seconds", "exit_code",
  ]

  static func write(journal: Journal, to path: String) throws {
    let text = try render(journal.trials())
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }

  static func render(_ trials: [TrialRecord]) -> String {
    var params: [[String: ParamValue]] = []
    var metrics: [[String: ParamValue]] = []
    var paramNames = Set<String>()
    var metricNames = Set<String>()
    for trial in trials {
      let p = object(trial.paramsJSON)
      let m = object(trial.metricsJSON)
      paramNames.formUnion(p.keys)
      metricNames.formUnion(m.keys)
      params.append(p)
      metrics.append(m)
    }
    let paramColumns = paramNames.sorted()
    let metricColumns = metricNames.sorted()
    // A metric named like a parameter or a fixed column keeps both: the metric gets a prefix.
    let taken = Set(fixedColumns).union(paramNames)
    let metricHeaders = metricColumns.map { taken.contains($0) ? "metric.\($0)" : $0 }
    var lines = [(fixedColumns + paramColumns + metricHeaders).map(field).joined(separator: ",")]
    lines.reserveCapacity(trials.count + 1)
    for (i, trial) in trials.enumerated() {
      var row = [
        trial.id, String(trial.index), trial.status, String(trial.attempt), trial.worker,
        number(trial.wallSeconds), trial.exitCode.map(String.init) ?? "",
      ]
      row += paramColumns.map { params[i][$0].map(cell) ?? "" }
      row += metricColumns.map { metrics[i][$0].map(cell) ?? "" }
      lines.append(row.map(field).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private static func object(_ json: String) -> [String: ParamValue] {
    if case .object(let o) = try? ParamValue.parseJSON(json) { return o }
    return [:]
  }

  private static func cell(_ value: ParamValue) -> String {
    switch value {
    case .null: return ""
    case .bool(let b): return b ? "True" : "False"
    case .int(let i): return String(i)
    case .double(let d): return number(d)
    case .string(let s): return s
    case .list, .object: return value.canonicalJSON
    }
  }

  private static func number(_ d: Double) -> String {
    if d.isNaN { return "" }
    if d.isInfinite { return d > 0 ? "inf" : "-inf" }
    return "\(d)"
  }

  /// Quotes a field when it holds a comma, quote or line break (RFC 4180).
  private static func field(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
      return text
    }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
