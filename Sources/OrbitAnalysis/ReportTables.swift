import Foundation

/// The HTML tables of report.html: fits, slopes, comparisons, frontier, IsoFLOP, metadata.
enum ReportTables {
  static func cell(_ value: Double, _ interval: Interval?) -> String {
    "<td class=\"num\">\(escapeHTML(valueText(value, interval)))</td>"
  }

  static func table(_ header: [String], _ rows: [String]) -> String {
    "<table><tr>" + header.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr>\n"
      + rows.map { "<tr>\($0)</tr>\n" }.joined() + "</table>\n"
  }

  static func text(_ s: String) -> String { "<td>\(escapeHTML(s))</td>" }

  static func fits(_ a: Analysis) -> String {
    let level = Int((a.settings.level * 100).rounded())
    var rows: [String] = []
    for f in a.families {
      for (fit, floor) in [(f.withFloor, true), (f.pure, false)] {
        let e = floor ? cell(fit.fit.parameter("E"), fit.interval("E")) : text("0 (fixed)")
        let flag =
          floor && f.floorIsSignificant
          ? "<td class=\"flag\">floor at ≈ \(escapeHTML(format(f.floorOnset)))</td>" : text("")
        rows.append(
          text(a.display(f.group)) + text(f.axis) + text(fit.fit.law.rawValue)
            + cell(fit.fit.parameter("alpha"), fit.interval("alpha"))
            + cell(fit.fit.parameter("A"), fit.interval("A")) + e
            + text(String(format: "%.6g", fit.fit.objective))
            + text(fit.fit.converged ? "yes" : "NO")
            + text("\(fit.fit.startsAtOptimum)/\(fit.fit.starts)") + flag
            + text(bootstrapText(fit)))
      }
    }
    return "<h2>Fits (\(level) % bootstrap intervals)</h2>\n"
      + table(
        [
          "group", "axis", "law", "α", "A", "E", "objective (Huber sum)", "converged",
          "starts at optimum", "floor", "bootstrap",
        ], rows)
  }

  /// "seed-clusters, 126 distinct of 1000" (and unmoved refits, when any).
  static func bootstrapText(_ fit: FitWithIntervals) -> String {
    guard let scheme = fit.scheme else { return "none" }
    let unmoved = fit.unmovedRefits > 0 ? "; \(fit.unmovedRefits) refits did not move" : ""
    let widened = fit.expansion > 1 ? String(format: ", widened ×%.2f (t/z)", fit.expansion) : ""
    return "\(scheme.rawValue), \(fit.distinctResamples) distinct of "
      + "\(fit.samples.count)\(widened)\(unmoved)"
  }

  /// The tuned envelope: per family, the winner at each scale and the drift of the optimum.
  static func tuned(_ a: Analysis) -> String {
    let tuned = a.families.filter { $0.tuned != nil }
    guard let first = tuned.first?.tuned else { return "" }
    let rows = tuned.map { f in
      let t = f.tuned!
      return text(a.display(f.group)) + text(f.axis) + text(SummaryTable.optimaText(t))
        + text(t.driftSentence(axis: f.axis) ?? "— (needs one numeric tuned column, ≥ 3 values)")
        + text(t.resamples > 0 ? "\(t.choiceChanged) of \(t.resamples)" : "no bootstrap")
    }
    return "<h2>Tuned envelope</h2>\n<p>At each scale and seed, only the trial with the lowest "
      + "\(escapeHTML(first.select)) over \(escapeHTML(first.columns.joined(separator: ", "))) is "
      + "fitted (never the test metric). The winner shown is the setting with the lowest median "
      + "\(escapeHTML(first.select)) over seeds (≈: the vertex of a parabola in log value through it "
      + "and its neighbours). The bootstrap draws the seeds' winners at each scale (a seed's "
      + "trials stay together: they share its data and init) and re-picks the winner at each "
      + "scale from the drawn seeds.</p>\n"
      + table(
        ["group", "axis", "winner at each scale", "drift of the optimum", "choice changed in"],
        rows)
  }

  static func slopes(_ a: Analysis) -> String {
    var rows: [String] = []
    for f in a.families {
      // A negative slope is the loss rising with scale: a warning about the fit, not a number.
      let slopes = f.localSlopes.map {
        "\(format($0.from))→\(format($0.to)): "
          + ($0.slope < 0 ? "loss rises (see warnings)" : format($0.slope))
      }
      rows.append(
        text(a.display(f.group)) + text(f.axis)
          + text(slopes.isEmpty ? "— (\(f.axis) is not on a grid)" : slopes.joined(separator: ", "))
          + text(f.seedSpread.map { String(format: "%.1f %%", 100 * $0) } ?? "—")
          + text(f.seedLossRatio.map { format($0) + "×" } ?? "—"))
    }
    return "<h2>Local slopes and seed spread</h2>\n"
      + "<p>Local slope: −Δlog loss / Δlog x between neighbouring x (median over seeds). "
      + "Seed spread: relative standard deviation of the pure-law exponent fitted per seed. "
      + "Seed loss ratio: median over x of the highest over the lowest seed's loss.</p>\n"
      + table(["group", "axis", "local slopes", "seed spread", "seed loss ratio"], rows)
  }

  static func comparisons(_ a: Analysis) -> String {
    var out = ""
    for c in a.comparisons {
      let rows = c.multipliers.map { m in
        cell(m.x, nil) + cell(m.loss, nil)
          + "<td class=\"num\">\(escapeHTML(multiplierText(m)))</td>"
          + text(m.extrapolated ? "extrapolated (outside measured range)" : "measured range")
      }
      out +=
        "<h3>\(escapeHTML(a.display(c.other))) vs \(escapeHTML(a.display(c.baseline))) on "
        + "\(escapeHTML(c.axis))</h3>\n"
        + "<p>Δα = \(escapeHTML(format(c.exponentDifference) + bracket(c.exponentDifferenceInterval)))"
        + " · verdict: <b>\(escapeHTML(c.verdict.rawValue))</b>. \(escapeHTML(c.sentence))</p>\n"
        + table(
          [c.axis + " of " + a.display(c.other), "loss reached", "multiplier k", "range"], rows)
    }
    return out
  }

  /// Δα between neighbouring values of an ordered numeric group column, paired by seed.
  static func adjacent(_ a: Analysis) -> String {
    guard let first = a.adjacentDifferences.first else { return "" }
    let level = Int((a.settings.level * 100).rounded())
    let rows = a.adjacentDifferences.map { d in
      text(d.subject) + text(d.axis)
        + cell(d.exponentDifference, d.exponentDifferenceInterval)
        + text(d.reading)
    }
    return "<h2 id=\"adjacent\">Adjacent values of \(escapeHTML(first.column)): Δα</h2>\n"
      + "<p>Each step to the next value: Δα = α(next) − α(previous) of the pure power laws, its "
      + "\(level) % interval from paired resamples (the same seeds drawn for both families).</p>\n"
      + table(["step", "axis", "Δα [\(level) %]", "reading"], rows)
  }

  static func frontiers(_ a: Analysis) -> String {
    let rows = a.frontiers.map { f in
      text(a.display(f.group)) + text("\(f.compute.count)")
        + (f.fit.map {
          cell($0.fit.parameter("alpha"), $0.interval("alpha"))
            + cell($0.fit.parameter("E"), $0.interval("E"))
        }
          ?? text(f.fitError.map { "no fit: \($0)" } ?? "too few points") + text(""))
        + text(f.holdout?.sentence ?? "–")
    }
    return table(
      ["group", "frontier points", "γ in L = E + A·C^−γ", "E", "hold-out check"], rows)
  }

  /// Compared families per unit of compute: k_C at each budget, its trend and the crossover.
  static func computeMultipliers(_ a: Analysis) -> String {
    a.computeMultipliers.map { m in
      let rows = m.points.map { p in
        cell(p.compute, nil)
          + "<td class=\"num\">\(escapeHTML(p.k.value == .infinity ? "∞ (below the baseline's floor)" : valueText(p.k.value, p.k.interval)))</td>"
          + text(
            p.extrapolated ? "extrapolated (beyond the baseline's frontier)" : "measured range")
      }
      return
        "<h3>\(escapeHTML(a.display(m.other))) vs \(escapeHTML(a.display(m.baseline))) per unit"
        + " of compute</h3>\n<p>\(escapeHTML(m.sentence))</p>\n"
        + table(["compute (\(m.axis))", "compute multiplier k (baseline ÷ other)", "range"], rows)
    }.joined()
  }

  static func isoFLOP(_ a: Analysis) -> String {
    let alone = a.isoFLOP.filter { a.computeOptimal[$0.key] == nil }
    guard !alone.isEmpty else { return "" }
    let rows = alone.sorted { $0.key < $1.key }.map { group, iso in
      text(a.display(group)) + text("\(iso.budgets.count)")
        + cell(iso.exponent, iso.exponentInterval) + text(vertices(iso))
    }
    return "<h2>IsoFLOP analysis</h2>\n"
      + table(["group", "budgets", "a in N* ∝ C^a", "vertices"], rows)
  }

  static func vertices(_ iso: IsoFLOPAnalysis) -> String {
    iso.budgets.map { "C \(format($0.compute)): N* \(valueText($0.optimalN, $0.optimalNInterval))" }
      .joined(separator: "; ")
  }

  /// Both approaches per family, their cross-check, and the allocation at each budget.
  static func computeOptimal(_ a: Analysis) -> String {
    guard !a.computeOptimal.isEmpty else { return "" }
    var out = "<h2>Compute-optimal allocation (C = 6·N·D)</h2>\n"
    for (group, c) in a.computeOptimal.sorted(by: { $0.key < $1.key }) {
      out +=
        "<h3>\(escapeHTML(a.display(group)))</h3>\n<p>\(escapeHTML(c.agreementSentence))</p>\n"
      let rows = c.allocations.map { allocation in
        cell(allocation.compute, nil)
          + cell(allocation.optimalN.value, allocation.optimalN.interval)
          + cell(allocation.optimalD.value, allocation.optimalD.interval)
          + cell(allocation.optimalLoss.value, allocation.optimalLoss.interval)
          + text(allocation.extrapolated ? "extrapolated" : "measured range")
      }
      out += table(["compute C", "N*", "D*", "L*", "range"], rows)
      if let iso = c.isoFLOP { out += "<p>IsoFLOP vertices: \(escapeHTML(vertices(iso)))</p>\n" }
    }
    return out
  }

  static func chinchilla(_ a: Analysis) -> String {
    guard !a.chinchilla.isEmpty else { return "" }
    let rows = a.chinchilla.sorted { $0.key < $1.key }.map { group, c in
      let f = c.result
      return text(a.display(group))
        + ["A", "alpha", "B", "beta", "E"].map { cell(f.fit.parameter($0), f.interval($0)) }
        .joined() + cell(c.a, c.aInterval) + text(String(format: "%.6g", f.fit.objective))
    }
    return "<h2>Chinchilla law L(N, D) = E + A/N^α + B/D^β</h2>\n"
      + table(["group", "A", "α", "B", "β", "E", "a in N_opt ∝ C^a", "objective"], rows)
  }

  /// "1 m 35 s" (or "10.0 s" under a minute).
  static func durationText(_ seconds: Double) -> String {
    guard seconds >= 60 else { return String(format: "%.1f s", seconds) }
    let total = Int(seconds.rounded())
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
    return h > 0 ? "\(h) h \(m) min \(s) s" : "\(m) min \(s) s"
  }

  /// The trials' CPU time, and how much of it is each trial's own measurement.
  static func cpuText(_ m: SweepMetadata, trials: Int) -> String {
    guard let cpu = m.cpuSeconds else { return "—" }
    let source =
      m.cpuMeasuredTrials == trials
      ? "trials' cpu_seconds"
      : m.cpuMeasuredTrials == 0
        ? "trials' wall time (no cpu_seconds reported)"
        : "cpu_seconds of \(m.cpuMeasuredTrials) trials, wall time of the others"
    return "\(durationText(cpu)) (\(source))"
  }

  static func metadata(_ m: SweepMetadata, analysis: Analysis) -> String {
    let counts = m.countsByStatus.isEmpty ? analysis.countsByStatus : m.countsByStatus
    let countText = counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
      .joined(separator: ", ")
    let warnings = m.warnings.map { "<p class=\"warning\">⚠ \(escapeHTML($0))</p>\n" }.joined()
    return "<h2>Sweep</h2>\n" + warnings
      + table(
        [
          "name", "created", "trials by status", "workers", "wall time (all runs)", "CPU time",
          "fitting",
        ],
        [
          text(m.name) + text(m.createdAt) + text(countText)
            + text(m.workers.joined(separator: ", ")) + text(durationText(m.wallSeconds))
            + text(cpuText(m, trials: counts.values.reduce(0, +)))
            + text(m.fittingSeconds.map(durationText) ?? "–")
        ])
      + "<p>Settings: y = \(escapeHTML(analysis.settings.y)); axes "
      + "\(escapeHTML(analysis.settings.xs.joined(separator: ", "))); groups by "
      + escapeHTML(
        analysis.settings.groupBy.isEmpty
          ? "none" : analysis.settings.groupBy.joined(separator: ", "))
      + (analysis.settings.tune.isEmpty
        ? ""
        : "; tuned over \(escapeHTML(analysis.settings.tune.joined(separator: ", "))) by "
          + escapeHTML(analysis.settings.select))
      + "; seeds "
      + "\(escapeHTML(analysis.settings.seedColumn ?? "none")) (the seed-cluster bootstrap with ≥ "
      + "\(analysis.settings.minimumSeedClusters) seeds, else points within each scale or "
      + "residuals; each fit's scheme is in its row).</p>\n"
      + "<h3>Spec</h3>\n<pre>\(escapeHTML(m.specText))</pre>\n"
  }
}
