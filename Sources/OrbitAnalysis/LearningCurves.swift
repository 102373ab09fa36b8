import Foundation

/// One trial's learning curve as the report draws it: a metric against the step.
public struct LearningCurve: Sendable {
  /// The family the trial belongs to (the analysis's group label, e.g. `lr = 0.01`).
  public var family: String
  public var trial: String
  public var points: [(step: Double, value: Double)]

  public init(family: String, trial: String, points: [(step: Double, value: Double)]) {
    self.family = family
    self.trial = trial
    self.points = points
  }
}

/// The report's learning-curve section: one plot per family (up to `maxFamilies`), each trial a
/// line of the metric against the step, log–log like the scaling plots.
enum LearningCurvesHTML {
  static let maxFamilies = 12
  /// Trials drawn per family: enough to see the spread, few enough to stay a readable figure.
  static let maxTrialsPerFamily = 40

  static func section(_ curves: [LearningCurve], metric: String) -> String {
    let drawable = curves.filter { c in c.points.contains { $0.step > 0 && $0.value > 0 } }
    guard !drawable.isEmpty else { return "" }
    var families: [String] = []
    for curve in drawable where !families.contains(curve.family) { families.append(curve.family) }
    var html =
      "<h2>Learning curves: \(escapeHTML(metric)) by step</h2>\n<p>Each line is one trial's logged values (PROGRESS points), one plot per family.</p>\n<div class=\"row\">"
    for (i, family) in families.prefix(maxFamilies).enumerated() {
      let members = drawable.filter { $0.family == family }.prefix(maxTrialsPerFamily)
      let color = SVGPlot.palette[i % SVGPlot.palette.count]
      let series = members.map { curve in
        // Unnamed: one colour per family, no legend entry per trial.
        SVGPlot.Series(
          name: "", color: color,
          curve: curve.points.filter { $0.step > 0 && $0.value > 0 }.map { ($0.step, $0.value) })
      }
      var plot = SVGPlot(
        id: "curves-\(i)", title: family, xLabel: "step (log scale)",
        yLabel: "\(metric) (log scale)")
      plot.series = Array(series)
      plot.width = 420
      plot.height = 300
      html += "<figure class=\"curves\">\(plot.render())</figure>"
    }
    return html + "</div>\n"
  }
}
