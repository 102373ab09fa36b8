import Foundation

/// report.html: one self-contained page (inline SVG and CSS; no script, font or network),
/// verdict first with its figure beside it, then plots, tables and the sweep's metadata.
struct ReportHTML {
  var analysis: Analysis
  var metadata: SweepMetadata

  /// Axis label with units for the columns Orbit knows.
  static func label(_ column: String) -> String {
    switch column {
    case "n_params": "parameters N (count, log scale)"
    case "samples_seen": "training samples seen D (count, log scale)"
    case "flops", "compute": "compute C (FLOPs, log scale)"
    case let c where c.hasSuffix("n_train"): "\(c) (training samples, log scale)"
    default: "\(column) (log scale)"
    }
  }

  /// One colour per family, the dashboard's too (`Analysis.familyColor`).
  func color(_ group: String) -> String { analysis.familyColor(group) }

  /// 48 log-spaced points from the lowest to the highest x.
  static func grid(_ x: [Double]) -> [Double] {
    let low = log(x.min()!)
    let high = log(x.max()!)
    return (0..<48).map { exp(low + (high - low) * Double($0) / 47) }
  }

  /// Pointwise percentile band of a law's predictions over bootstrap samples (around the fitted
  /// curve, as every interval is around its estimate).
  static func band(_ fit: FitWithIntervals, over grid: [Double], level: Double) -> [(
    x: Double, lower: Double, upper: Double
  )] {
    guard !fit.samples.isEmpty else { return [] }
    return grid.compactMap { x in
      let predictions = fit.samples.map { predictLaw(fit.fit.law, $0, x, 1) }
      return Interval.around(fit.fit.predict(x), samples: predictions, level: level).map {
        (x, $0.lower, $0.upper)
      }
    }
  }

  func lossPlot(axis: String) -> SVGPlot {
    var plot = SVGPlot(
      id: "loss-vs-\(axis)", title: "\(analysis.settings.y) against \(axis)",
      xLabel: Self.label(axis), yLabel: "\(analysis.settings.y) (log scale)")
    for family in analysis.families where family.axis == axis {
      let grid = Self.grid(family.x)
      var series = SVGPlot.Series(
        name: analysis.display(family.group), color: color(family.group))
      series.points = zip(family.x, family.y).map { ($0, $1) }
      series.curve = grid.map { ($0, family.withFloor.fit.predict($0)) }
      series.band = Self.band(family.withFloor, over: grid, level: analysis.settings.level)
      plot.series.append(series)
      var pure = SVGPlot.Series(name: "", color: color(family.group))
      pure.curve = grid.map { ($0, family.pure.fit.predict($0)) }
      pure.dashed = true
      plot.series.append(pure)
    }
    let level = Int((analysis.settings.level * 100).rounded())
    let tuned = analysis.families.contains { $0.axis == axis && $0.tuned != nil }
    plot.notes = [
      (.point, tuned ? "each seed's best-tuned trial" : "trials (one point per seed)"),
      (.line, "fit with a floor: E + A·x^−α"),
      (.band, "\(level) % bootstrap band of that fit"),
      (.dashed, "pure power law: A·x^−α"),
    ]
    return plot
  }

  func residualPlot(axis: String) -> SVGPlot {
    var plot = SVGPlot(
      id: "residuals-\(axis)", title: "residuals of the fit with a floor",
      xLabel: Self.label(axis), yLabel: "log(loss) − log(fit)")
    plot.logY = false
    plot.reference = 0
    for family in analysis.families where family.axis == axis {
      var series = SVGPlot.Series(
        name: analysis.display(family.group), color: color(family.group))
      series.pointClass = "residual"
      series.points = zip(family.x, family.y).map {
        ($0, log($1) - log(family.withFloor.fit.predict($0)))
      }
      plot.series.append(series)
    }
    return plot
  }

  func frontierPlot() -> SVGPlot? {
    guard let axis = analysis.frontiers.first?.axis else { return nil }
    var plot = SVGPlot(
      id: "frontier", title: "compute frontier (lowest loss at each compute)",
      xLabel: Self.label(axis), yLabel: "\(analysis.settings.y) (log scale)")
    for frontier in analysis.frontiers {
      var series = SVGPlot.Series(
        name: analysis.display(frontier.group), color: color(frontier.group))
      series.pointClass = "frontier"
      series.points = zip(frontier.compute, frontier.loss).map { ($0, $1) }
      if let fit = frontier.fit {
        let grid = Self.grid(frontier.compute)
        series.curve = grid.map { ($0, fit.fit.predict($0)) }
        series.band = Self.band(fit, over: grid, level: analysis.settings.level)
      }
      plot.series.append(series)
    }
    plot.notes = [
      (.line, "fit E + A·C^−γ"),
      (.band, "\(Int((analysis.settings.level * 100).rounded())) % bootstrap band"),
    ]
    return plot
  }

  func multiplierPlot(_ c: GroupComparison) -> SVGPlot {
    var plot = SVGPlot(
      id: "multiplier-\(c.other)-vs-\(c.baseline)",
      // The subject is the short name ("model.symmetry: augment vs none"); display labels of
      // both families overflowed the plot's width.
      title: "multiplier k, \(c.subject)",
      xLabel: Self.label(c.axis), yLabel: "multiplier k (log scale)")
    plot.reference = 1
    var inside = SVGPlot.Series(name: "k inside the measured range", color: color(c.other))
    var outside = SVGPlot.Series(
      name: "k extrapolated (outside the baseline's range)", color: color(c.other))
    plot.notes = [
      (.point, "k: the baseline needs k× the \(c.axis) for the other's loss"),
      (.errorBar, "\(Int((analysis.settings.level * 100).rounded())) % bootstrap interval"),
      (.dashed, "k = 1: no advantage"),
    ]
    outside.hollow = true
    for m in c.multipliers where m.k.isFinite {
      let bar = m.interval.map { (m.x, $0.lower, $0.upper) }
      if m.extrapolated {
        outside.points.append((m.x, m.k))
      } else {
        inside.points.append((m.x, m.k))
        if let bar { inside.errorBars.append(bar) }
      }
    }
    inside.pointClass = "multiplier"
    outside.pointClass = "multiplier extrapolated"
    plot.series = [inside, outside]
    return plot
  }

  func page() -> String {
    let s = analysis.settings
    let primary = s.xs.first
    let lead = primary.map { lossPlot(axis: $0).render() } ?? ""
    var body = """
      <h1>\(escapeHTML(metadata.name))</h1>
      <p class="meta">\(analysis.fittedRows) trials fitted · \(s.bootstrap) bootstrap resamples \
      (seeded \(s.randomSeed)) · \(Int((s.level * 100).rounded())) % percentile intervals · \
      Huber δ = \(format(s.huberDelta)) on log-loss</p>
      <p class="meta" id="roles">\(escapeHTML(s.rolesLine))\
      \(s.source.map { " · analysis from \(escapeHTML($0))" } ?? "")</p>
      <section class="lead"><div class="verdict"><h2>Verdict</h2><ul id="verdict">\
      \(analysis.verdictItems.map { "<li>\(escapeHTML($0))</li>" }.joined())</ul>\
      \(warningsHTML())</div><figure>\(lead)</figure></section>

      """
    for axis in s.xs where analysis.families.contains(where: { $0.axis == axis }) {
      body += "<h2>\(escapeHTML(s.y)) against \(escapeHTML(axis))</h2>\n<div class=\"row\">"
      if axis != primary { body += "<figure>\(lossPlot(axis: axis).render())</figure>" }
      body += "<figure>\(residualPlot(axis: axis).render())</figure></div>\n"
    }
    body += ReportTables.fits(analysis)
    body += ReportTables.tuned(analysis)
    body += ReportTables.slopes(analysis)
    if !analysis.comparisons.isEmpty {
      body += "<h2>Group comparisons</h2>\n<div class=\"row\">"
      for c in analysis.comparisons { body += "<figure>\(multiplierPlot(c).render())</figure>" }
      body += "</div>\n" + ReportTables.comparisons(analysis)
    }
    body += ReportTables.adjacent(analysis)
    if let frontier = frontierPlot() {
      body += "<h2>Compute frontier</h2>\n<figure>\(frontier.render())</figure>\n"
      body += ReportTables.frontiers(analysis) + ReportTables.computeMultipliers(analysis)
    }
    body += LearningCurvesHTML.section(
      metadata.curves, metric: metadata.curveMetric, analysis: analysis)
    body += ReportTables.chinchilla(analysis)
    body += ReportTables.computeOptimal(analysis)
    body += ReportTables.isoFLOP(analysis)
    body += ReportTables.metadata(metadata, analysis: analysis)
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(escapeHTML(metadata.name)) · Orbit report</title>
      <style>\(Self.css)</style></head>
      <body>
      \(body)</body></html>

      """
  }

  func warningsHTML() -> String {
    guard !analysis.warnings.isEmpty else { return "" }
    return "<ul class=\"warnings\">"
      + analysis.warnings.map { "<li>\(escapeHTML($0))</li>" }.joined() + "</ul>"
  }

  static let css = """
    body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;\
    color:#111;background:#fff;padding:0 16px}
    h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px;border-bottom:1px solid #ccc}
    .meta{color:#555;margin:0 0 12px}
    .lead{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}
    .verdict{flex:1 1 360px;font-size:1.05em;line-height:1.5}
    .verdict ul#verdict{background:#f4f7fb;border-left:4px solid #0072B2;padding:10px 14px 10px 30px;\
    margin:0}.verdict ul#verdict li{margin:0 0 6px}
    .warnings{color:#8a4b00;font-size:.9em}
    .row{display:flex;gap:16px;flex-wrap:wrap}figure{margin:0}
    ul.curve-families{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:6px 0}
    svg text{font-family:inherit;font-size:12px;fill:#111}svg .title{font-size:13px;font-weight:600}
    svg .tick{font-size:11px}svg .legend{font-size:11px}
    table{border-collapse:collapse;font-size:.9em;margin:8px 0}
    th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
    th{background:#f2f2f2}td.num{font-variant-numeric:tabular-nums}
    .flag{color:#b00;font-weight:600}pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:.85em}
    @media print{body{margin:0;max-width:none}.lead{break-inside:avoid}figure,table{break-inside:avoid}\
    .verdict ul#verdict{border:1px solid #000}}
    """
}
