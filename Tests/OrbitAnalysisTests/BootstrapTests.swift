import Foundation
import Testing

@testable import OrbitAnalysis

@Suite struct BootstrapTests {
  /// Epoch's 95 % bootstrap intervals (data README).
  static let epoch: [String: (Double, Double)] = [
    "A": (285.2, 743.6), "B": (1042.4, 5810.3), "E": (1.769, 1.871), "alpha": (0.317, 0.373),
    "beta": (0.331, 0.415),
  ]

  @Test func chinchillaIntervalsMatchEpochWithinFivePercent() throws {
    let fitter = LawFitter(law: .chinchilla)
    let (objective, fit) = TestData.chinchillaFit
    let result = Bootstrap().run(fitter: fitter, objective: objective, fit: fit)
    #expect(result.failed == 0)
    for (p, name) in fit.law.parameterNames.enumerated() {
      let (lower, upper) = Self.epoch[name]!
      let interval = result.intervals[p]
      #expect(abs(interval.lower - lower) / lower < 0.05, "\(name) lower \(interval.lower)")
      #expect(abs(interval.upper - upper) / upper < 0.05, "\(name) upper \(interval.upper)")
    }
  }

  @Test func refitsFromTheGridDoNotCollapseWhereRefitsFromTheOptimumDid() throws {
    let fitter = LawFitter(law: .chinchilla)
    let (objective, fit) = TestData.chinchillaFit
    var scipyLike = fitter
    scipyLike.options.tests = .scipyDefaults
    scipyLike.startsFromSubModels = false
    scipyLike.normalises = false
    var bootstrap = Bootstrap()
    bootstrap.resamples = 100
    // The old bootstrap: one refit from the full-sample optimum, in raw units (`fit` is in
    // natural units, which are the raw objective's). Absolute tests (divided by max(|f|, 1))
    // stop there at once, and the intervals collapse (5× to 1,000×+ on this data).
    var optimumOnly = bootstrap
    optimumOnly.refitStarts = 0
    let points = try TestData.chinchillaPoints()
    let raw = try scipyLike.makeObjective(x: points.n, secondX: points.d, y: points.loss)
    let collapsed = optimumOnly.run(fitter: scipyLike, objective: raw, fit: fit)
    // Refits that also start from the resample's own best grid starts move.
    let right = bootstrap.run(fitter: fitter, objective: objective, fit: fit)
    #expect(right.unmoved == 0)
    var ratios: [Double] = []
    for p in 0..<5 {
      let rightWidth = right.intervals[p].upper - right.intervals[p].lower
      let narrowWidth = collapsed.intervals[p].upper - collapsed.intervals[p].lower
      ratios.append(rightWidth / narrowWidth)
      #expect(rightWidth > 4 * narrowWidth, "parameter \(fit.law.parameterNames[p])")
    }
    #expect(ratios.sorted()[2] > 20, "median width ratio \(ratios.sorted()[2])")
  }

  @Test func resamplesAreReproducibleAndWholeClustersMove() {
    let bootstrap = Bootstrap()
    let clusters = [0, 0, 1, 1, 2, 2, 3, 3]
    let first = bootstrap.weights(clusters: clusters, index: 7)
    #expect(first == bootstrap.weights(clusters: clusters, index: 7))
    #expect(first.reduce(0, +) == 8)
    for i in stride(from: 0, to: 8, by: 2) { #expect(first[i] == first[i + 1]) }
    #expect(first != bootstrap.weights(clusters: clusters, index: 8))
  }

  @Test func intervalsDoNotDependOnThreadCount() throws {
    let data = PowerLawFitTests.synthetic()
    let fitter = LawFitter(law: .powerLaw)
    let objective = try fitter.makeObjective(x: data.x, y: data.y)
    let fit = fitter.fit(objective)
    var one = Bootstrap()
    one.resamples = 64
    one.threads = 1
    var three = one
    three.threads = 3
    let a = one.run(fitter: fitter, objective: objective, fit: fit)
    let b = three.run(fitter: fitter, objective: objective, fit: fit)
    #expect(a.samples == b.samples)
    #expect(a.intervals == b.intervals)
    var reseeded = one
    reseeded.seed = 1
    #expect(reseeded.run(fitter: fitter, objective: objective, fit: fit).samples != a.samples)
  }

  @Test func percentileInterpolatesLikeNumpy() {
    let values = (0...100).map(Double.init)
    let interval = Interval.percentile(values.shuffled(), level: 0.95)!
    #expect(abs(interval.lower - 2.5) < 1e-12 && abs(interval.upper - 97.5) < 1e-12)
  }
}
