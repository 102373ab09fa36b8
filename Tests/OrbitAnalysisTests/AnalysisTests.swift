import Foundation
import Testing

@testable import OrbitAnalysis

@Suite struct AnalysisTests {
  @Test func inferredSettingsFindTheSweptAxisAndTheFamilies() {
    let table = StudyData.trials([StudyData.plain, StudyData.augment])
    let settings = AnalysisSettings.inferred(from: table, y: "test_loss")
    #expect(settings.xs == ["task.n_train"])
    #expect(settings.groupBy == ["model.symmetry"])
    #expect(settings.seedColumn == "seed")
  }

  @Test func augmentationIsAConstantFactorOfAboutSixteen() throws {
    let table = StudyData.trials([StudyData.plain, StudyData.augment])
    let analysis = Analysis.run(table: table, settings: StudyData.settings(table))
    #expect(analysis.countsByStatus == ["ok": 64, "failed": 1])
    #expect(analysis.fittedRows == 64)
    let comparison = try #require(analysis.comparisons.first)
    #expect(comparison.baseline == "none" && comparison.other == "augment")
    #expect(comparison.verdict == .sameExponentConstantFactor)
    let inRange = comparison.multipliers.filter { !$0.extrapolated }
    #expect(inRange.count >= 3)
    for m in inRange { #expect(m.k > 11 && m.k < 22, "k = \(m.k) at n = \(m.x)") }
    // Large n of the augmented family needs more data than the baseline measured.
    #expect(comparison.multipliers.last!.extrapolated)
    let plain = try #require(analysis.families.first { $0.group == "none" })
    #expect(abs(plain.pure.fit.parameter("alpha") - 0.32) < 0.02)
    #expect(plain.pure.interval("alpha")!.contains(plain.pure.fit.parameter("alpha")))
    #expect(!plain.floorIsSignificant)
    #expect(plain.localSlopes.count == 7)
    #expect(plain.localSlopes.allSatisfy { $0.slope > 0.2 && $0.slope < 0.45 })
    #expect(plain.seedSpread! < 0.1)
  }

  @Test func floorTrapIsNeverCalledADifferentExponent() throws {
    let table = StudyData.trials([StudyData.plain, StudyData.floored])
    let analysis = Analysis.run(table: table, settings: StudyData.settings(table))
    let floored = try #require(analysis.families.first { $0.group == "symmetrize" })
    #expect(floored.floorIsSignificant)
    // The naive pure power law reads a changed exponent: the trap.
    #expect(abs(floored.pure.fit.parameter("alpha") - 0.32) > 0.05)
    let comparison = try #require(analysis.comparisons.first)
    #expect(comparison.verdict != .differentExponent)
    #expect(comparison.sentence.contains("symmetrize reached a floor"))
    #expect(comparison.sentence.contains("more width or steps are needed"))
    #expect(analysis.verdict.contains("reached a floor"))
    #expect(!analysis.verdict.contains("different exponent"))
  }

  @Test func aSteeperCurveIsADifferentExponent() throws {
    let table = StudyData.trials([StudyData.plain, StudyData.steeper])
    let analysis = Analysis.run(table: table, settings: StudyData.settings(table))
    let comparison = try #require(analysis.comparisons.first)
    #expect(comparison.verdict == .differentExponent)
    // The steeper family starts higher, so it is the baseline here: Δα = 0.32 − 0.55.
    let interval = try #require(comparison.exponentDifferenceInterval)
    #expect(interval.upper < -0.15 && interval.lower > -0.3)
    #expect(analysis.verdict.contains("different exponents"))
  }

  @Test func aSteeperCurveOnAFloorIsTheFloorVerdictNeverADifferentExponent() throws {
    let table = StudyData.trials([StudyData.plain, StudyData.steeperFloored])
    let analysis = Analysis.run(table: table, settings: StudyData.settings(table))
    let comparison = try #require(analysis.comparisons.first)
    #expect(comparison.baseline == "none")
    #expect(analysis.families.first { $0.group == "steeper-floored" }!.floorIsSignificant)
    #expect(comparison.verdict == .cannotTell)
    #expect(comparison.sentence.contains("reached a floor"))
    #expect(comparison.sentence.contains("more width or steps are needed"))
    #expect(comparison.sentence.contains("not a measurement"))
    #expect(!comparison.sentence.contains("exponents differ"))
  }

  @Test func isoFLOPVerticesOfChinchillaScaleAsHalfAPower() throws {
    let points = try TestData.chinchillaPoints()
    let compute = points.n.indices.map { 6 * points.n[$0] * points.d[$0] }
    let iso = try #require(IsoFLOPAnalysis.fit(n: points.n, compute: compute, loss: points.loss))
    #expect(iso.budgets.count >= 5)
    // Hoffmann et al.'s IsoFLOP approach gives a ≈ 0.49.
    #expect(iso.exponent > 0.4 && iso.exponent < 0.6, "a = \(iso.exponent)")
  }

  @Test func frontierIsTheRunningMinimumOverCompute() {
    let frontier = ComputeFrontier.build(
      group: "g", axis: "flops", compute: [1, 2, 2, 3, 4, 5, 6], loss: [5, 4, 6, 4.5, 3, 2, 1],
      settings: AnalysisSettings(y: "l", xs: []))
    #expect(frontier.compute == [1, 2, 4, 5, 6])
    #expect(frontier.loss == [5, 4, 3, 2, 1])
  }
}

@Suite struct ChinchillaSweepTests {
  /// Epoch's points as a trials.csv: n_params, samples_seen, flops, test_loss.
  static func table() throws -> Table {
    let points = try TestData.chinchillaPoints()
    let rows = points.n.indices.map { i -> [String] in
      [
        "t\(i)", "\(i)", "ok", "1", "w0", "1", "\(points.n[i])", "\(points.d[i])",
        "\(6 * points.n[i] * points.d[i])", "\(points.loss[i])",
      ]
    }
    return Table(
      columns: [
        "trial_id", "index", "status", "attempt", "worker", "wall_seconds", "n_params",
        "samples_seen", "flops", "test_loss",
      ], rows: rows)
  }

  @Test func chinchillaShapedSweepGetsTheLawTheFrontierAndIsoFLOP() throws {
    let table = try Self.table()
    var settings = AnalysisSettings.inferred(from: table, y: "test_loss")
    #expect(settings.xs == ["n_params", "samples_seen", "flops"])
    #expect(settings.groupBy.isEmpty)
    settings.bootstrap = 20
    let analysis = Analysis.run(table: table, settings: settings)
    let law = try #require(analysis.chinchilla["all"])
    #expect(abs(law.result.fit.parameter("alpha") - 0.3473) < 0.0035)
    #expect(abs(law.a - 0.514) < 0.005)
    #expect(analysis.isoFLOP["all"] != nil)
    let frontier = try #require(analysis.frontiers.first)
    #expect(frontier.compute.count >= 4 && frontier.fit != nil)
    let report = Report.build(
      analysis: analysis,
      metadata: SweepMetadata(
        name: "chinchilla", specText: "", countsByStatus: [:], workers: [], wallSeconds: 0,
        createdAt: ""))
    #expect(report.html.contains("Chinchilla law"))
    #expect(report.html.contains("id=\"frontier\""))
    #expect(report.summary.contains("Chinchilla all:"))
  }
}
