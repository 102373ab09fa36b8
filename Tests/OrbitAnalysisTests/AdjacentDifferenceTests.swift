import Foundation
import Testing

@testable import OrbitAnalysis

/// Δα between neighbouring values of an ordered numeric group column (the manifold study's
/// intrinsic dimension 2, 4, 6, 8), on data from known laws: the steps between two groups that
/// are not the baseline are compared too, with the sign the laws put there.
@Suite struct AdjacentDifferenceTests {
  /// L = 3·N^−α(d) at 8 sizes N = 10³…10⁵, 4 seeds, 2 % noise per point and 1 % per seed.
  static func table(alphas: [(dim: Int, alpha: Double)], seeds: Int = 4) -> Table {
    var rng = SplitMix64(seed: 23)
    var rows: [[String]] = []
    for (dim, alpha) in alphas {
      for seed in 0..<seeds {
        let seedOffset = 0.01 * rng.normal()
        for k in 0..<8 {
          let n = 1000 * pow(100, Double(k) / 7)
          let loss = 3 * pow(n, -alpha) * exp(seedOffset + 0.02 * rng.normal())
          rows.append(["ok", "\(dim)", "\(seed)", "\(n)", "\(loss)"])
        }
      }
    }
    return Table(
      columns: ["status", "task.intrinsic_dim", "seed", "n_params", "test_loss"], rows: rows)
  }

  static func analysis(_ table: Table) -> Analysis {
    var settings = AnalysisSettings(
      y: "test_loss", xs: ["n_params"], groupBy: ["task.intrinsic_dim"], seedColumn: "seed")
    settings.bootstrap = 200
    return Analysis.run(table: table, settings: settings)
  }

  @Test func everyAdjacentPairHasAPairedIntervalWithTheLawsSign() throws {
    let alphas = [(2, 0.8), (4, 0.55), (6, 0.4), (8, 0.3)]
    let analysis = Self.analysis(Self.table(alphas: alphas))
    let steps = analysis.adjacentDifferences
    #expect(steps.map { [$0.from, $0.to] } == [[2, 4], [4, 6], [6, 8]])
    for (step, (low, high)) in zip(steps, zip(alphas, alphas.dropFirst())) {
      let truth = high.1 - low.1
      let interval = try #require(step.exponentDifferenceInterval)
      #expect(interval.upper < 0, "\(step.subject): \(step.finding)")
      #expect(interval.contains(truth), "\(step.subject): \(step.finding), truth \(truth)")
      #expect(abs(step.exponentDifference - truth) < 0.05)
      #expect(step.reading.hasPrefix("α falls"))
    }
    // The baseline comparisons leave out a step between two non-baseline groups: (2, 4) here,
    // the baseline being the highest loss (d = 8). That is what the steps are for.
    let compared = Set(analysis.comparisons.map { Set([$0.baseline, $0.other]) })
    #expect(!compared.contains(["2", "4"]))
    #expect(analysis.verdictItems.contains { $0.contains("α falls at every step") })

    // fits.json and the report carry them.
    let fits = try #require(
      JSONSerialization.jsonObject(with: Data(analysis.fitsJSON().utf8)) as? [String: Any])
    let listed = try #require(fits["adjacent_differences"] as? [[String: Any]])
    #expect(listed.map { $0["from_group"] as? String } == ["2", "4", "6"])
    #expect(listed.map { $0["to_group"] as? String } == ["4", "6", "8"])
    let first = try #require(listed.first?["exponent_difference"] as? [String: Any])
    #expect((first["upper"] as? Double ?? 0) < 0)
    var metadata = SweepMetadata(
      name: "steps", specText: "", countsByStatus: [:], workers: [], wallSeconds: 1,
      createdAt: "")
    metadata.curveMetric = ""
    let html = ReportHTML(analysis: analysis, metadata: metadata).page()
    #expect(html.contains("id=\"adjacent\""))
    #expect(html.contains("task.intrinsic_dim 2 → 4"))
  }

  @Test func aRisingStepAndAFlatStepAreToldApart() throws {
    // α rises from 2 to 4, then stays: the first interval lies above 0, the second holds it.
    let analysis = Self.analysis(Self.table(alphas: [(2, 0.3), (4, 0.6), (6, 0.6)]))
    let steps = analysis.adjacentDifferences
    #expect(steps.count == 2)
    let rising = try #require(steps.first?.exponentDifferenceInterval)
    #expect(rising.lower > 0 && rising.contains(0.3), "\(steps[0].finding)")
    #expect(steps[0].reading.hasPrefix("α rises"))
    let flat = try #require(steps.last?.exponentDifferenceInterval)
    #expect(flat.contains(0), "\(steps[1].finding)")
    #expect(analysis.verdictItems.contains { $0.contains("not every step's interval excludes 0") })
  }

  @Test func labelsWithoutAnOrderHaveNoSteps() {
    // none / augment / symmetrize: compared against a baseline, never stepped through.
    let table = StudyData.trials([StudyData.plain, StudyData.augment, StudyData.floored])
    var settings = StudyData.settings(table)
    settings.bootstrap = 50
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(!analysis.comparisons.isEmpty)
    #expect(analysis.adjacentDifferences.isEmpty)
  }
}
