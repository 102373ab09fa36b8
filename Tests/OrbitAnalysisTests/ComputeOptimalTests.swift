import Foundation
import Testing

@testable import OrbitAnalysis

/// Issue 24: compute-optimal analysis with intervals — Approach 2 and 3 and their cross-check,
/// compute multipliers between families with their trend, and the frontier's hold-out check —
/// on tables simulated from known laws.
@Suite struct ComputeOptimalTests {
  static func settings(bootstrap: Int) -> AnalysisSettings {
    var settings = AnalysisSettings(y: "loss", xs: [])
    settings.bootstrap = bootstrap
    return settings
  }

  /// Frontier points of L(C) = E + A·C^(−γ), one run per compute, with multiplicative noise.
  static func frontier(
    group: String, e: Double, a: Double, gamma: Double, compute: [Double], noise: Double,
    seed: UInt64, bootstrap: Int = 200
  ) -> ComputeFrontier {
    var rng = SplitMix64(seed: seed)
    let loss = compute.map { c -> Double in
      let u = Double(rng.next() >> 11) / Double(1 << 53)
      return (e + a * pow(c, -gamma)) * exp(noise * (2 * u - 1))
    }
    return ComputeFrontier.build(
      group: group, axis: "flops", compute: compute, loss: loss,
      settings: settings(bootstrap: bootstrap))
  }

  static let budgets = (0..<10).map { pow(10, 12 + 0.5 * Double($0)) }

  @Test func isoFLOPBudgetsCarryIntervalsThatCoverTheTruth() throws {
    var simulation = ComputeOptimalSimulation(settings: Self.settings(bootstrap: 200))
    simulation.design = .isoFLOPGrid
    simulation.seeds = 2
    let table = simulation.data(index: 1)
    let compute = table.n.indices.map { 6 * table.n[$0] * table.d[$0] }
    let iso = try #require(
      IsoFLOPAnalysis.fit(
        n: table.n, compute: compute, loss: table.loss, seeds: table.seeds,
        settings: simulation.settings))
    #expect(iso.budgets.count == simulation.budgets.count)
    let a = try #require(iso.exponentInterval)
    #expect(a.contains(simulation.trueA), "a = \(iso.exponent) \(a), truth \(simulation.trueA)")
    #expect(a.upper > a.lower)
    for budget in iso.budgets {
      let interval = try #require(budget.optimalNInterval)
      #expect(interval.lower < budget.optimalN && budget.optimalN < interval.upper)
      #expect(budget.runs == 2 * simulation.sizesPerBudget)
    }
  }

  @Test func bothApproachesAgreeOnAPureLawAndSaySo() throws {
    var simulation = ComputeOptimalSimulation(settings: Self.settings(bootstrap: 40))
    simulation.design = .isoFLOPGrid
    simulation.seeds = 2
    let table = simulation.data(index: 0)
    let fit = try ChinchillaFit.make(
      n: table.n, d: table.d, y: table.loss, seeds: table.seeds, settings: simulation.settings)
    let compute = table.n.indices.map { 6 * table.n[$0] * table.d[$0] }
    let iso = IsoFLOPAnalysis.fit(
      n: table.n, compute: compute, loss: table.loss, seeds: table.seeds,
      settings: simulation.settings)
    let optimal = ComputeOptimal.make(chinchilla: fit, isoFLOP: iso, level: 0.95)
    #expect(optimal.agreementSentence.contains("agree within their intervals"))
    // Measured budgets, then 10× and 100× beyond: marked, with intervals on N* and L*.
    #expect(optimal.allocations.count == simulation.budgets.count + 2)
    #expect(optimal.allocations.suffix(2).allSatisfy { $0.extrapolated })
    #expect(!optimal.allocations[0].extrapolated)
    #expect(optimal.agree == true)
    for allocation in optimal.allocations {
      let n = try #require(allocation.optimalN.interval)
      #expect(n.lower < allocation.optimalN.value && allocation.optimalN.value < n.upper)
      let loss = try #require(allocation.optimalLoss.interval)
      #expect(
        loss.lower < allocation.optimalLoss.value && allocation.optimalLoss.value < loss.upper)
      #expect(
        abs(allocation.optimalN.value * allocation.optimalD.value * 6 / allocation.compute - 1)
          < 1e-9)
    }
    // `orbit fit --law chinchilla --json`: the keys the issue names.
    let json = try #require(
      try JSONSerialization.jsonObject(
        with: Data(fit.json(level: 0.95, isoFLOP: iso).utf8)) as? [String: Any])
    let block = try #require(json["compute_optimal"] as? [String: Any])
    for key in ["a", "b", "isoflop", "agree", "allocations"] {
      #expect(block[key] != nil, "\(key)")
    }
    let isoBlock = try #require(block["isoflop"] as? [String: Any])
    let a = try #require(isoBlock["a"] as? [String: Any])
    #expect(a["lower"] is Double && a["upper"] is Double)
    let first = try #require((isoBlock["budgets"] as? [[String: Any]])?.first)
    #expect((first["optimal_n"] as? [String: Any])?["lower"] is Double)
    #expect(first["runs"] as? Int == 2 * simulation.sizesPerBudget)
  }

  @Test func anOffCentreGridStillFindsEachBudgetsMinimumInsideItsSizes() throws {
    var simulation = ComputeOptimalSimulation(settings: Self.settings(bootstrap: 100))
    simulation.design = .isoFLOPGrid
    simulation.offCentre = 0.4
    let table = simulation.data(index: 3)
    let compute = table.n.indices.map { 6 * table.n[$0] * table.d[$0] }
    let iso = try #require(
      IsoFLOPAnalysis.fit(
        n: table.n, compute: compute, loss: table.loss, seeds: table.seeds,
        settings: simulation.settings))
    // Every vertex inside its budget's sizes, and the exponent's interval is not zero-width.
    let interval = try #require(iso.exponentInterval)
    #expect(interval.upper - interval.lower > 1e-4)
  }

  @Test func aConstantComputeFactorIsRecoveredWithItsIntervalAndCalledConstant() throws {
    // The other family reaches at C what the baseline reaches at 4·C: k = 4 at every budget.
    let baseline = Self.frontier(
      group: "plain", e: 0.5, a: 40, gamma: 0.15, compute: Self.budgets, noise: 0.004, seed: 1)
    let other = Self.frontier(
      group: "augment", e: 0.5, a: 40 * pow(4, -0.15), gamma: 0.15, compute: Self.budgets,
      noise: 0.004, seed: 2)
    let multiplier = try #require(
      ComputeMultiplier.make(baseline: baseline, other: other, level: 0.95))
    #expect(multiplier.points.count == ComputeMultiplier.budgetsCompared)
    for point in multiplier.points {
      let interval = try #require(point.k.interval)
      #expect(interval.contains(4), "k at \(point.compute) = \(point.k.value) \(interval)")
    }
    #expect(multiplier.trend == .constant, "\(multiplier.sentence)")
    #expect(multiplier.crossover == nil)
    #expect(multiplier.sentence.contains("constant with compute"))
    // 4·C is beyond the baseline's measured frontier only at the largest budgets.
    let top = try #require(Self.budgets.last)
    for point in multiplier.points {
      #expect(point.extrapolated == (point.compute * point.k.value > top * 1.01))
    }
    #expect(multiplier.points.first?.extrapolated == false)
    #expect(multiplier.points.last?.extrapolated == true)
    #expect(multiplier.sentence.contains("extrapolated there"))
  }

  @Test func aShrinkingAdvantageIsCalledShrinkingWithItsCrossover() throws {
    // Structure starts ahead but scales worse: k_C = (A/A')^(1/γ_b) · C^(γ_o/γ_b − 1), κ = −1/3.
    // With A/A' = 100 the structured family is ahead over the whole measured range (k from
    // ≈ 46 down to ≈ 1.5) and the frontiers cross where (A/A')^(1/γ_b) = C^(1/3): C = 10^20.
    let baseline = Self.frontier(
      group: "plain", e: 0, a: 60, gamma: 0.3, compute: Self.budgets, noise: 0.004, seed: 3)
    let other = Self.frontier(
      group: "symmetrize", e: 0, a: 0.6, gamma: 0.2, compute: Self.budgets, noise: 0.004, seed: 4)
    let multiplier = try #require(
      ComputeMultiplier.make(baseline: baseline, other: other, level: 0.95))
    #expect(multiplier.points.first!.k.value > multiplier.points.last!.k.value)
    let kappa = try #require(multiplier.kappa.interval)
    #expect(abs(multiplier.kappa.value + 1.0 / 3) < 0.03, "κ = \(multiplier.kappa.value)")
    #expect(kappa.upper < 0)
    #expect(multiplier.trend == .shrinks)
    #expect(multiplier.points.allSatisfy { $0.k.value > 1 })
    let crossover = try #require(multiplier.crossover)
    #expect(abs(log10(crossover) - 20) < 0.5, "crossover \(crossover)")
    #expect(multiplier.crossoverExtrapolated)
    #expect(multiplier.sentence.contains("scale overtakes structure"))
    #expect(multiplier.sentence.contains("(extrapolated)"))
  }

  @Test func theHoldOutCheckPredictsAPureLawWithinItsInterval() throws {
    let frontier = Self.frontier(
      group: "plain", e: 0.3, a: 50, gamma: 0.2, compute: Self.budgets, noise: 0.003, seed: 5)
    let holdout = try #require(frontier.holdout)
    #expect(holdout.compute == Self.budgets.last)
    #expect(holdout.inside == true, "\(holdout.sentence)")
    #expect(abs(holdout.relativeError) < 0.02)
    #expect(holdout.sentence.contains("inside its prediction interval"))
    // A frontier whose last budget breaks the law is caught.
    var broken = frontier
    broken.loss[broken.loss.count - 1] *= 0.8
    let caught = try #require(
      FrontierHoldout.check(broken, settings: Self.settings(bootstrap: 200)))
    #expect(caught.inside == false, "\(caught.sentence)")
  }

  @Test func aFloorAtItsBoundOnTheFrontierIsOneSidedNeverZeroWidth() throws {
    let frontier = Self.frontier(
      group: "plain", e: 0, a: 50, gamma: 0.2, compute: Self.budgets, noise: 0.003, seed: 6)
    let e = try #require(frontier.fit?.interval("E"))
    #expect(e.upper > e.lower)
    if frontier.fit!.fit.parameter("E") < 1e-3 { #expect(e.bound == .upper) }
  }

  @Test func theAnalysisReportsComputeOptimalBlocksAndMultipliersInFitsJSON() throws {
    // Two families on an IsoFLOP-style table with n_params, samples_seen and flops: the
    // analysis fits Chinchilla, IsoFLOP and the frontier per family and compares them.
    var rows: [[String]] = []
    for (family, factor) in [("none", 1.0), ("augment", 0.9)] {
      var simulation = ComputeOptimalSimulation(settings: Self.settings(bootstrap: 0))
      simulation.design = .isoFLOPGrid
      simulation.seeds = 2
      simulation.bigB *= factor
      let table = simulation.data(index: 4)
      for i in table.n.indices {
        rows.append([
          "ok", family, "\(table.n[i])", "\(table.d[i])", "\(6 * table.n[i] * table.d[i])",
          table.seeds[i], "\(table.loss[i])",
        ])
      }
    }
    let table = Table(
      columns: ["status", "symmetry", "n_params", "samples_seen", "flops", "seed", "loss"],
      rows: rows)
    var settings = AnalysisSettings(y: "loss", xs: ["samples_seen"])
    settings.groupBy = ["symmetry"]
    settings.seedColumn = "seed"
    settings.bootstrap = 40
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(Set(analysis.computeOptimal.keys) == ["none", "augment"])
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(analysis.fitsJSON().utf8)) as? [String: Any])
    #expect(json["schema"] as? Int == 3)
    let blocks = try #require(json["compute_optimal"] as? [String: Any])
    #expect(blocks.count == 2)
    #expect(json["compute_multipliers"] is [Any])
    let summary = analysis.summary()
    #expect(summary.contains("compute-optimal (C = 6·N·D)"))
    #expect(summary.contains("Approach 2 (IsoFLOP"))
    // The verdict (summary, report, dashboard) says whether the two approaches agree.
    #expect(analysis.verdictItems.contains { $0.contains("compute-optimal size: Approach 3") })
  }

  /// The suite's short version of `FitBench compute` (≥ 200 data sets, bench/RESULTS.md).
  @Test func coverageOfTheComputeOptimalExponentOnAFewDataSets() throws {
    var simulation = ComputeOptimalSimulation(settings: Self.settings(bootstrap: 40))
    simulation.design = .isoFLOPGrid
    simulation.seeds = 2
    var (parametric, isoFLOP, optimalN, budgets) = (0, 0, 0, 0)
    let sets = 4
    for index in 0..<sets {
      let outcome = try simulation.run(index: 100 + index)
      if outcome.parametricCovered { parametric += 1 }
      if outcome.isoFLOPCovered == true { isoFLOP += 1 }
      optimalN += outcome.optimalNCovered
      budgets += outcome.optimalNBudgets
    }
    #expect(budgets == sets * simulation.budgets.count)
    // At 95 % nominal, 4 sets miss more than one only with probability ≈ 1.4 %.
    #expect(parametric >= sets - 1, "Approach 3 covered \(parametric) of \(sets)")
    #expect(isoFLOP >= sets - 1, "Approach 2 covered \(isoFLOP) of \(sets)")
    // N* at the measured budgets (correlated within a set: a looser bound).
    #expect(optimalN * 4 >= budgets * 3, "N* covered at \(optimalN) of \(budgets) budgets")
  }
}
