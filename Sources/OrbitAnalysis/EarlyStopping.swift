import Foundation

/// Trials an early-termination rule (`early_terminate: hyperband`) stopped at one scale of one
/// family: the fit there sees only the survivors of a rung, which favour fast starters (small
/// models), so the analysis never fits such a point without saying so (issue 23, item 3).
public struct StoppedScale: Sendable, Equatable {
  /// The family's label ("all", "0.01 @ width=64") and the axis.
  public var group: String
  public var axis: String
  /// The scale, the trials stopped there, and every trial recorded there.
  public var x: Double
  public var stopped: Int
  public var total: Int

  /// Whether stopping removed the scale point altogether (no trial there finished).
  public var missing: Bool { stopped == total }
}

extension Analysis {
  /// Stopped trials per scale of each family along `axis`: `labels[i]` is row i's family label
  /// (group values and held parameters), over every row of the table, whatever its status.
  static func stoppedScales(
    table: Table, axis: String, labels: [String]
  ) -> [StoppedScale] {
    guard let s = table.columns.firstIndex(of: "status") else { return [] }
    let x = table.numbers(axis)
    var counts: [String: [Double: (stopped: Int, total: Int)]] = [:]
    for (i, row) in table.rows.enumerated() {
      guard let value = x[i], value.isFinite, value > 0 else { continue }
      var entry = counts[labels[i], default: [:]][value, default: (0, 0)]
      entry.total += 1
      if row[s] == "stopped" { entry.stopped += 1 }
      counts[labels[i], default: [:]][value] = entry
    }
    var result: [StoppedScale] = []
    for group in counts.keys.sorted(by: labelPrecedes) {
      for (value, entry) in counts[group]!.sorted(by: { $0.key < $1.key }) where entry.stopped > 0 {
        result.append(
          StoppedScale(
            group: group, axis: axis, x: value, stopped: entry.stopped, total: entry.total))
      }
    }
    return result
  }

  /// "at width = 512: 3 of 6 stopped; 1024: all 6 stopped (no point)".
  static func stoppedText(_ scales: [StoppedScale]) -> String {
    guard let axis = scales.first?.axis else { return "" }
    return "at \(axis) = "
      + scales.map { s in
        s.missing
          ? "\(format(s.x)): all \(s.total) stopped (no point)"
          : "\(format(s.x)): \(s.stopped) of \(s.total) stopped"
      }.joined(separator: "; ")
  }

  /// The warning for a family whose scale points early stopping removed or thinned.
  static func stoppingWarning(family: String, scales: [StoppedScale]) -> String {
    "\(family) on \(scales[0].axis): early stopping removed trials \(stoppedText(scales)); the"
      + " fit there sees only the survivors of a rung, which favour fast starters (small models),"
      + " so its exponent is biased: fit only completed scales (run the scaling sweep without"
      + " early_terminate, or tune with it at one scale)"
  }

  /// The warning for early termination on a sweep with a scale axis, stopped trials or not.
  static func earlyTerminationWarning(rule: String, axes: [String]) -> String {
    "early_terminate: \(rule) stops the trials whose metric is worst at"
      + " each rung, and on a sweep over \(axes.joined(separator: ", ")) those are the slow"
      + " starters — large models, which reach the lowest loss last; a scale it thins is fitted"
      + " from the survivors. Fit only completed scales: run the scaling sweep without"
      + " early_terminate (use it to tune at one scale)"
  }
}
