import Foundation

/// The terminal table: one line per fit with intervals, then comparisons and the verdict.
enum SummaryTable {
  /// Left-aligned columns separated by two spaces.
  static func render(_ rows: [[String]]) -> String {
    guard let header = rows.first else { return "" }
    var widths = header.map(\.count)
    for row in rows {
      for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
    }
    return rows.map { row in
      row.enumerated().map { i, cell in
        cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
      }.joined(separator: "  ").trimmingTrailingSpaces
    }.joined(separator: "\n") + "\n"
  }

  static func value(_ v: Double, _ interval: Interval?) -> String { valueText(v, interval) }

  static func fitRows(_ f: FitWithIntervals, group: String, axis: String) -> [String] {
    let law = f.fit.law
    let names = law.parameterNames
    let cells = names.indices.map { i in
      "\(names[i]) \(value(f.fit.parameters[i], i < f.intervals.count ? f.intervals[i] : nil))"
    }
    return [
      group, axis, law.rawValue, cells.joined(separator: "  "),
      String(format: "%.6g", f.fit.objective),
      f.fit.converged ? "yes" : "NO", ReportTables.bootstrapText(f),
    ]
  }

  static func text(_ analysis: Analysis, pureOnly: Bool = false) -> String {
    let level = Int((analysis.settings.level * 100).rounded())
    var rows = [
      [
        "group", "axis", "law", "parameters [\(level) % interval]", "objective", "conv",
        "bootstrap",
      ]
    ]
    for family in analysis.families {
      if !pureOnly {
        rows.append(
          fitRows(family.withFloor, group: analysis.display(family.group), axis: family.axis))
      }
      rows.append(fitRows(family.pure, group: analysis.display(family.group), axis: family.axis))
    }
    var out = analysis.settings.rolesLine + "\n" + render(rows)
    out += tunedText(analysis)
    if !analysis.comparisons.isEmpty {
      var lines = [["comparison", "Δα [\(level) %]", "multiplier k at x (in measured range)"]]
      for c in analysis.comparisons {
        let ks = c.multipliers.filter { !$0.extrapolated }.map {
          "\(format($0.x)): \(multiplierText($0))"
        }
        lines.append([
          "\(analysis.display(c.other)) vs \(analysis.display(c.baseline))",
          value(c.exponentDifference, c.exponentDifferenceInterval),
          ks.isEmpty ? "none in range" : ks.joined(separator: "; "),
        ])
      }
      out += "\n" + render(lines)
    }
    if !analysis.adjacentDifferences.isEmpty {
      var lines = [["adjacent step", "Δα = α(next) − α(previous) [\(level) %]"]]
      for d in analysis.adjacentDifferences {
        lines.append([d.subject, value(d.exponentDifference, d.exponentDifferenceInterval)])
      }
      out += "\n" + render(lines)
    }
    for frontier in analysis.frontiers {
      out += "\n" + frontierText(frontier, display: analysis.display(frontier.group)) + "\n"
    }
    for (group, iso) in analysis.isoFLOP.sorted(by: { $0.key < $1.key })
    where analysis.computeOptimal[group] == nil {
      out +=
        "\nIsoFLOP \(analysis.display(group)): N* ∝ C^\(value(iso.exponent, iso.exponentInterval))"
        + " over \(iso.budgets.count) budgets\n"
    }
    for (group, fit) in analysis.chinchilla.sorted(by: { $0.key < $1.key }) {
      guard let optimal = analysis.computeOptimal[group] else { continue }
      out +=
        "\nChinchilla \(analysis.display(group)):\n"
        + chinchillaText(fit, optimal: optimal, level: analysis.settings.level)
    }

    out += "\nVerdict:" + analysis.verdictItems.map { "\n  - " + $0 }.joined() + "\n"
    for warning in analysis.warnings { out += "warning: \(warning)\n" }
    return out
  }

  /// The tuned envelope's choice per family: the winning setting at each scale (its seeds'
  /// winners when they disagree), the interpolated optimum, and the drift of the optimum.
  static func tunedText(_ analysis: Analysis) -> String {
    let tuned = analysis.families.filter { $0.tuned != nil }
    guard let first = tuned.first?.tuned else { return "" }
    var out =
      "\nTuned envelope over \(first.columns.joined(separator: ", ")), each winner picked by"
      + " \(first.select) at each scale and seed:\n"
    for family in tuned {
      let t = family.tuned!
      out += "  \(analysis.display(family.group)) on \(family.axis): " + optimaText(t) + "\n"
      if let drift = t.driftSentence(axis: family.axis) { out += "    \(drift)\n" }
      if t.resamples > 0 {
        out += "    the choice changed in \(t.choiceChanged) of \(t.resamples) resamples\n"
      }
    }
    return out
  }

  /// "64: 0.01 (≈ 0.012); 128: 0.01 [seeds 0.01 ×2, 0.003 ×1]; 256: > 0.03 at the edge".
  static func optimaText(_ t: TunedEnvelope) -> String {
    t.optima.map { o in
      var text = "\(format(o.x)): \(o.setting)"
      if let optimum = o.optimum, !o.atEdge, format(optimum) != o.setting {
        text += " (≈ \(format(optimum)))"
      }
      if o.atEdge { text += " (edge of the sweep)" }
      if o.seedWinners.count > 1 {
        text +=
          " [seeds: "
          + o.seedWinners.sorted { labelPrecedes($0.key, $1.key) }.map { "\($0.key) ×\($0.value)" }
          .joined(separator: ", ") + "]"
      }
      return text
    }.joined(separator: "; ")
  }

  /// "Compute frontier all on flops (10 points): L = E + A·C^−γ with γ = 0.2 [0.19, 0.21],
  /// E < 0.003".
  static func frontierText(_ f: ComputeFrontier, display: String) -> String {
    let head = "Compute frontier \(display) on \(f.axis) (\(f.compute.count) points): "
    guard let fit = f.fit else { return head + (f.fitError.map { "no fit: \($0)" } ?? "too few") }
    return head + "L = E + A·C^−γ with "
      + equation("γ", fit.fit.parameter("alpha"), fit.interval("alpha")) + ", "
      + equation("E", fit.fit.parameter("E"), fit.interval("E"))
  }

  static func chinchillaText(_ c: ChinchillaFit, optimal: ComputeOptimal, level: Double)
    -> String
  {
    let percent = Int((level * 100).rounded())
    var rows = [
      ["law", "parameters [\(percent) % interval]", "objective", "conv", "starts at optimum"]
    ]
    let f = c.result
    let names = f.fit.law.parameterNames
    rows.append([
      "chinchilla",
      names.indices.map {
        "\(names[$0]) \(value(f.fit.parameters[$0], f.intervals.isEmpty ? nil : f.intervals[$0]))"
      }
      .joined(separator: "  "),
      String(format: "%.8g", f.fit.objective), f.fit.converged ? "yes" : "NO",
      "\(f.fit.startsAtOptimum)/\(f.fit.starts)",
    ])
    return render(rows) + computeOptimalText(optimal)
  }

  /// Both approaches' compute-optimal exponent, the allocation at the measured budgets (then 10×
  /// and 100× beyond, marked), and the cross-check in one sentence.
  static func computeOptimalText(_ c: ComputeOptimal) -> String {
    var out =
      "compute-optimal (C = 6·N·D): N* ∝ C^\(value(c.a.value, c.a.interval)), "
      + "D* ∝ C^\(value(c.b.value, c.b.interval))\n"
    for allocation in c.allocations {
      out +=
        "  at C = \(format(allocation.compute)): N* = \(value(allocation.optimalN))"
        + ", D* = \(value(allocation.optimalD)), L* = \(value(allocation.optimalLoss))"
        + (allocation.extrapolated
          ? " (extrapolated: measured C = \(format(c.measuredCompute.lowerBound)) … "
            + "\(format(c.measuredCompute.upperBound)))" : "") + "\n"
    }
    if let iso = c.isoFLOP {
      out +=
        "  IsoFLOP budgets: "
        + iso.budgets.map {
          "C = \(format($0.compute)): N* = \(value($0.optimalN, $0.optimalNInterval))"
        }.joined(separator: "; ") + "\n"
    }
    return out + "  " + c.agreementSentence + "\n"
  }

  static func value(_ e: Estimate) -> String { value(e.value, e.interval) }
}

extension String {
  var trimmingTrailingSpaces: String {
    var s = Substring(self)
    while s.last == " " { s.removeLast() }
    return String(s)
  }
}
