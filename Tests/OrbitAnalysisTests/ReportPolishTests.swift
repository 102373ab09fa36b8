import Foundation
import Testing

@testable import OrbitAnalysis

/// Issue 15, item 5: a report to paste into a paper.
@Suite struct ReportPolishTests {
  @Test func groupLabelsCarryTheirColumn() {
    let settings = AnalysisSettings(y: "loss", xs: ["width"], groupBy: ["lr"])
    #expect(Analysis.display("0.003", groupBy: settings.groupBy) == "lr = 0.003")
    #expect(
      Analysis.display("0.003 @ width=64, depth=2", groupBy: ["lr"])
        == "lr = 0.003 @ width = 64, depth = 2")
    #expect(
      Analysis.display("1 / none", groupBy: ["task.teacher_seed", "model.symmetry"])
        == "task.teacher_seed = 1 / model.symmetry = none")
    #expect(Analysis.display("all @ task.n_train=64", groupBy: []) == "task.n_train = 64")
    #expect(Analysis.display("all", groupBy: []) == "all")
  }

  @Test func theReportAndSummaryShowLabelsWithColumnsAndTheVerdictAsAList() {
    let table = StudyData.trials([StudyData.plain, StudyData.augment, StudyData.floored])
    var settings = StudyData.settings(table)
    settings.bootstrap = 50
    let analysis = Analysis.run(table: table, settings: settings)
    let report = Report.build(analysis: analysis, metadata: ReportTests.metadata)
    #expect(report.html.contains("<td>model.symmetry = augment</td>"))
    #expect(report.summary.contains("\nmodel.symmetry = augment "))
    // One list item per comparison.
    let list = report.html.components(separatedBy: "<ul id=\"verdict\">")[1]
      .components(separatedBy: "</ul>")[0]
    #expect(list.components(separatedBy: "<li>").count - 1 == analysis.verdictItems.count)
    #expect(analysis.verdictItems.count >= analysis.comparisons.count)
    #expect(report.summary.contains("Verdict:\n  - model.symmetry: "))
  }

  @Test func anUpperBoundBeyondEveryFiniteResampleIsOpen() throws {
    // 10 % of the resamples fall below the baseline's floor (k = ∞): the 95 % upper bound is ∞.
    let samples = (0..<90).map { 10 + Double($0) / 10 } + Array(repeating: .infinity, count: 10)
    let open = try #require(Interval.percentile(samples, level: 0.95, keepInfinity: true))
    #expect(open.upper == .infinity)
    #expect(abs(open.lower - 10.2475) < 1e-9)
    // Dropping them (the old way) would have read as a finite, closed bound.
    #expect(Interval.percentile(samples, level: 0.95)!.upper < 20)
    let k = GroupComparison.Multiplier(
      x: 64, loss: 0.1, k: 16.1, interval: open, extrapolated: false)
    #expect(multiplierText(k) == "16.1 [10.25, ∞)")
    let below = GroupComparison.Multiplier(
      x: 64, loss: 0.1, k: .infinity, interval: open, extrapolated: false)
    #expect(multiplierText(below) == "∞ (below the baseline's floor)")
  }

  @Test func multiplierAxesArePlainNumbersWithoutCollidingLabels() throws {
    var plot = SVGPlot(id: "m", title: "k", xLabel: "x", yLabel: "k")
    var series = SVGPlot.Series(name: "k", color: "#000")
    series.points = [(64, 2.1), (128, 2.9), (256, 4.6)]
    plot.series = [series]
    let svg = plot.render()
    #expect(!svg.contains("×10<tspan"), "multiplier ticks read as plain numbers")
    #expect(svg.contains(">2</text>") || svg.contains(">3</text>"))
    // Labelled y ticks are at least 15 px apart.
    let ys = svg.components(separatedBy: "text-anchor=\"end\" class=\"tick\"").dropLast().compactMap
    {
      piece -> Double? in
      guard let y = piece.components(separatedBy: "y=\"").last?.split(separator: "\"").first
      else { return nil }
      return Double(y)
    }.sorted()
    #expect(ys.count >= 2)
    for (a, b) in zip(ys, ys.dropFirst()) { #expect(b - a >= 15) }
  }
}
