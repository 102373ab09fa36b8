import Foundation

/// One trial's learning curve as the report draws it: a metric against the step.
public struct LearningCurve: Sendable {
  /// The family the trial belongs to (the analysis's group label, e.g. `lr = 0.01`).
  public var family: String
  public var trial: String
  public var points: [(step: Double, value: Double)]
  /// The trial's value of the first scale axis ("width", 256), when it has one: curves of a
  /// family are coloured by it, a ramp from light (small) to dark (large), with a legend.
  public var scale: (axis: String, value: Double)?

  public init(
    family: String, trial: String, points: [(step: Double, value: Double)],
    scale: (axis: String, value: Double)? = nil
  ) {
    self.family = family
    self.trial = trial
    self.points = points
    self.scale = scale
  }
}

/// `color` (#RRGGBB) mixed with white (t < 0) or black (t > 0) by |t|.
func shade(_ color: String, _ t: Double) -> String {
  let hex = color.dropFirst()
  guard hex.count == 6, let value = Int(hex, radix: 16) else { return color }
  let channels = [(value >> 16) & 255, (value >> 8) & 255, value & 255].map { c -> Int in
    let c = Double(c)
    let mixed = t < 0 ? c + (255 - c) * -t : c * (1 - t)
    return Int(mixed.rounded())
  }
  return "#" + channels.map { String(format: "%02X", $0) }.joined()
}

/// The learning-curve section of the report and the dashboard (the same HTML): one plot per
/// family (up to `maxFamilies`), each trial a line of the metric against the step, log–log like
/// the scaling plots; a legend of the families in their colours above the plots, and in each
/// plot a legend of its scales.
enum LearningCurvesHTML {
  static let maxFamilies = 12
  /// Trials drawn per family: enough to see the spread, few enough to stay a readable figure.
  static let maxTrialsPerFamily = 40
  /// Curves whose family the analysis does not know (a running trial's, whose parameters the
  /// journal does not have yet): grey, never a family's colour.
  static let unknownFamilyColor = "#888888"

  /// - Parameters:
  ///   - curves: their `family` is the analysis's group label ("0.01", "adam / 2", "all").
  ///   - analysis: colours (`Analysis.familyColor`, one per family everywhere) and titles
  ///     ("lr = 0.01").
  ///   - settings: before a fit (a live sweep's first minutes): titles from its group columns
  ///     and colours by place in its `familyOrder`, as `familyColor` will give them; with
  ///     neither, the palette in order and the labels as they are.
  static func section(
    _ curves: [LearningCurve], metric: String, analysis: Analysis?,
    settings: AnalysisSettings? = nil
  ) -> String {
    let drawable = curves.filter { c in c.points.contains { $0.step > 0 && $0.value > 0 } }
    guard !drawable.isEmpty else { return "" }
    var families: [String] = []
    for curve in drawable where !families.contains(curve.family) { families.append(curve.family) }
    families.sort(by: labelPrecedes)
    func color(_ family: String, _ i: Int) -> String {
      if let analysis {
        return analysis.knowsFamily(family) ? analysis.familyColor(family) : unknownFamilyColor
      }
      if let order = settings?.familyOrder, order.count > 1 {
        return order.firstIndex(of: family).map { SVGPlot.palette[$0 % SVGPlot.palette.count] }
          ?? unknownFamilyColor
      }
      return SVGPlot.palette[i % SVGPlot.palette.count]
    }
    func title(_ family: String) -> String {
      if let analysis { return analysis.display(family) }
      return settings.map { Analysis.display(family, groupBy: $0.groupBy) } ?? family
    }
    let shown = Array(families.prefix(maxFamilies).enumerated())
    var html =
      "<h2>Learning curves: \(escapeHTML(metric)) by step</h2>\n<p>Each line is one trial's logged values (PROGRESS points), one plot per family; within a family, light to dark is small to large scale.</p>\n"
    // The legend by family: each family's colour, as in the scaling plots.
    html +=
      "<ul class=\"curve-families\">"
      + shown.map { i, family in
        let c = color(family, i)
        return
          "<li data-family=\"\(escapeHTML(family))\" data-color=\"\(c)\"><svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect width=\"12\" height=\"12\" fill=\"\(c)\"/></svg> \(escapeHTML(title(family)))</li>"
      }.joined() + "</ul>\n<div class=\"row\">"
    for (i, family) in shown {
      let members = drawable.filter { $0.family == family }.prefix(maxTrialsPerFamily)
      let familyColor = color(family, i)
      // Within a family, a ramp by scale (light: small, dark: large), one legend line per
      // scale; without a scale, the family's colour and one legend line for the family.
      let scales = Array(Set(members.compactMap { $0.scale?.value })).sorted()
      var named = Set<String>()
      let series = members.map { curve -> SVGPlot.Series in
        var shadeOf = 0.0
        var name = title(family)
        if let scale = curve.scale, let k = scales.firstIndex(of: scale.value) {
          shadeOf = scales.count < 2 ? 0 : -0.5 + Double(k) / Double(scales.count - 1)
          name = "\(scale.axis) = \(format(scale.value))"
        }
        return SVGPlot.Series(
          name: named.insert(name).inserted ? name : "", color: shade(familyColor, shadeOf),
          curve: curve.points.filter { $0.step > 0 && $0.value > 0 }.map { ($0.step, $0.value) })
      }
      var plot = SVGPlot(
        id: "curves-\(i)", title: title(family), xLabel: "step (log scale)",
        yLabel: "\(metric) (log scale)")
      // Legend lines in scale order, whatever order the trials came in.
      plot.series = series.enumerated().sorted { a, b in
        let (x, y) = (
          members[members.startIndex + a.offset], members[members.startIndex + b.offset]
        )
        return (x.scale?.value ?? 0, a.offset) < (y.scale?.value ?? 0, b.offset)
      }.map(\.element)
      plot.width = 420
      plot.height = 300
      html +=
        "<figure class=\"curves\" data-family=\"\(escapeHTML(family))\" data-color=\"\(familyColor)\">\(plot.render())</figure>"
    }
    return html + "</div>\n"
  }
}
