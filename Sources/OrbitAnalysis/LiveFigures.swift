import Foundation

/// The dashboard's scaling plots: every ok trial's point on each axis, coloured by family, with
/// the current fit and its band over the families fitted so far. Unlike the report's figure,
/// a family too small to fit yet still shows its points: a sweep's first minutes are visible.
public struct LiveFigure: Sendable {
  public var axis: String
  /// Markers drawn: one per trial, or per (family, scale) when aggregated.
  public var points: Int
  /// The ok trials with a finite value on this axis and of the metric.
  public var trials: Int
  /// Whether markers are per-scale medians with range bars (past `maxLivePoints` trials).
  public var aggregated: Bool
  public var svg: String
}

extension Analysis {
  /// A family's colour everywhere it is drawn (the report's plots and learning curves, the
  /// dashboard's): its grouping's place among the sweep's families in label order
  /// (`settings.familyOrder` when it holds every family with ok trials, else `groups`); with a
  /// single group, the place of the family's label (with its held parameters) among the
  /// fitted families'. The one colour function of both pages: the dashboard's SVG is drawn
  /// here too, so the page's script holds no palette.
  public func familyColor(_ label: String) -> String {
    let grouping = label.components(separatedBy: " @ ").first ?? label
    let order =
      settings.familyOrder.flatMap { order in
        groups.allSatisfy(order.contains) && order.contains(grouping) ? order : nil
      } ?? groups
    var i = order.firstIndex(of: grouping) ?? 0
    if order.count <= 1 {
      var labels: [String] = []
      for family in families where !labels.contains(family.group) { labels.append(family.group) }
      i = labels.sorted(by: labelPrecedes).firstIndex(of: label) ?? 0
    }
    return SVGPlot.palette[i % SVGPlot.palette.count]
  }

  /// Whether `label` (a grouping, without held parameters) is a family `familyColor` knows.
  public func knowsFamily(_ label: String) -> Bool {
    groups.contains(label) || settings.familyOrder?.contains(label) == true
  }

  /// Markers a live figure draws one per trial; past this, one per family and scale.
  public static let maxLivePoints = 2000

  /// One figure per axis of the settings that the table has.
  public func liveFigures(table: Table) -> [LiveFigure] {
    let statusIndex = table.columns.firstIndex(of: "status")
    let ok = table.filter { row in statusIndex.map { row[$0] == "ok" } ?? true }
    let groupIndices = settings.groupBy.compactMap { table.columns.firstIndex(of: $0) }
    let labels = ok.rows.map { Analysis.label($0, indices: groupIndices) }
    var order: [String] = []
    for label in labels.sorted(by: labelPrecedes) where order.last != label { order.append(label) }
    let y = ok.numbers(settings.y)
    return settings.xs.filter(table.columns.contains).map { axis in
      var plot = SVGPlot(
        id: "live-\(axis)", title: "\(settings.y) against \(axis)",
        xLabel: ReportHTML.label(axis), yLabel: "\(settings.y) (log scale)")
      let x = ok.numbers(axis)
      var points: [String: [(x: Double, y: Double)]] = [:]
      var total = 0
      for row in labels.indices {
        if isFittable(x[row]), isFittable(y[row]), let xv = x[row], let yv = y[row] {
          points[labels[row], default: []].append((xv, yv))
          total += 1
        }
      }
      // Past a few thousand markers a plot is ink, and its SVG megabytes: each family's
      // trials at one scale become one marker at their median with a bar over their range.
      let aggregate = total > Self.maxLivePoints
      var drawn = 0
      for (i, group) in order.enumerated() {
        let color =
          knowsFamily(group) ? familyColor(group) : SVGPlot.palette[i % SVGPlot.palette.count]
        var series = SVGPlot.Series(name: display(group), color: color)
        let mine = points[group] ?? []
        if aggregate {
          for (xv, ys) in Dictionary(grouping: mine, by: \.x).sorted(by: { $0.key < $1.key }) {
            let sorted = ys.map(\.y).sorted()
            series.points.append((xv, sorted[sorted.count / 2]))
            if sorted.count > 1 { series.errorBars.append((xv, sorted.first!, sorted.last!)) }
          }
          series.pointClass = "point aggregate"
        } else {
          series.points = mine
        }
        drawn += series.points.count
        plot.series.append(series)
      }
      // Fits of the families on this axis (a held parameter splits a group into several).
      for family in families where family.axis == axis {
        let group = family.group.components(separatedBy: " @ ").first ?? family.group
        let i = order.firstIndex(of: group) ?? 0
        let grid = ReportHTML.grid(family.x)
        let color =
          knowsFamily(group)
          ? familyColor(groups.count <= 1 ? group : family.group)
          : SVGPlot.palette[i % SVGPlot.palette.count]
        var curve = SVGPlot.Series(name: "", color: color)
        curve.curve = grid.map { ($0, family.withFloor.fit.predict($0)) }
        curve.band = ReportHTML.band(family.withFloor, over: grid, level: settings.level)
        plot.series.append(curve)
      }
      return LiveFigure(
        axis: axis, points: drawn, trials: total, aggregated: aggregate, svg: plot.render())
    }
  }
}

extension LiveFigure {
  /// The learning-curves section of `curves`, as the report draws it: one plot per family in
  /// its colour (`Analysis.familyColor` of `analysis`, the live fit), a legend of the families
  /// and in each plot of its scales.
  /// Before the first fit, `settings` give the titles and colours the fit will (its group
  /// columns and `familyOrder`).
  public static func learningCurves(
    _ curves: [LearningCurve], metric: String, analysis: Analysis?, settings: AnalysisSettings
  ) -> String {
    LearningCurvesHTML.section(curves, metric: metric, analysis: analysis, settings: settings)
  }
}
