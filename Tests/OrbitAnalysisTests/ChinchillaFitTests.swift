import Foundation
import Testing

@testable import OrbitAnalysis

@Suite struct ChinchillaFitTests {
  /// Epoch AI's "replicate exactly" row (data README).
  static let epoch: [String: Double] = [
    "A": 477.84, "B": 2143.86, "E": 1.8172, "alpha": 0.3473, "beta": 0.3672,
  ]

  @Test func reproducesEpochWithinHalfAPercent() throws {
    #expect(try TestData.chinchillaPoints().n.count == 240)
    let fit = TestData.chinchillaFit.fit
    // The 4,500 grid starts and the optima of the three laws with a term fewer.
    #expect(fit.starts == 4503)
    #expect(fit.converged)
    for (name, value) in Self.epoch {
      let relative = abs(fit.parameter(name) - value) / value
      #expect(relative < 0.005, "\(name) = \(fit.parameter(name)), Epoch \(value)")
    }
  }

  @Test func meanObjectiveWithScipyDefaultsStopsEarly() throws {
    let points = try TestData.chinchillaPoints()
    var fitter = LawFitter(law: .chinchilla)
    fitter.useMean = true
    fitter.options.tests = .scipyDefaults
    let mean = try fitter.fit(x: points.n, secondX: points.d, y: points.loss)
    let (objective, sum) = TestData.chinchillaFit
    // Evaluated on the same (sum) objective, the mean fit is visibly worse and off Epoch's fit
    // (by > 5 % in raw units; in normalised units the grid starts nearer, so by > 1 %).
    var g = [Double](repeating: 0, count: 5)
    let meanOnSum = objective.value(at: mean.logParameters, gradient: &g)
    #expect(meanOnSum > sum.objective * 1.01)
    let worst = Self.epoch.map { abs(mean.parameter($0.key) - $0.value) / $0.value }.max()!
    #expect(worst > 0.01)
  }
}
