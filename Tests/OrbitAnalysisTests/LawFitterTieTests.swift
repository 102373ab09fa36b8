import Foundation
import Testing

@testable import OrbitAnalysis

/// Many starts reach the same objective in a flat valley; the reported fit must not depend on
/// which of them happened to come first or to be lower by rounding.
@Suite struct LawFitterTieTests {
  /// Four seeds per x at 0.5, 0.8, 1.25 and 2 times 1.5·x^(−0.32): with Huber's linear arms
  /// (residuals ≫ δ) every line between the two middle seeds has exactly the same objective.
  static func flatValley() -> (x: [Double], y: [Double]) {
    var x: [Double] = []
    var y: [Double] = []
    for k in 6...13 {
      let n = pow(2, Double(k))
      for factor in [0.5, 0.8, 1.25, 2] {
        x.append(n)
        y.append(factor * 1.5 * pow(n, -0.32))
      }
    }
    return (x, y)
  }

  @Test func fitInAFlatValleyDoesNotDependOnPointOrStartOrder() throws {
    let data = Self.flatValley()
    var fitter = LawFitter(law: .powerLawNoFloor)
    let forward = try fitter.fit(x: data.x, y: data.y)
    // The same points in another order change only the rounding of the sum, and the starts in
    // another order change only which tied start comes first.
    let shuffled = try fitter.fit(x: data.x.reversed(), y: data.y.reversed())
    fitter.starts = ScalingLaw.powerLawNoFloor.defaultStarts.reversed()
    let backward = try fitter.fit(x: data.x, y: data.y)
    // The valley is real: every start ends on the optimum, with exponents 0.25–0.39 among them.
    #expect(forward.startsAtOptimum == 30)
    for other in [shuffled, backward] {
      #expect(abs(other.objective - forward.objective) <= 1e-12 * forward.objective)
      for (a, b) in zip(forward.parameters, other.parameters) {
        #expect(abs(a - b) <= 1e-6 * abs(a), "\(forward.parameters) vs \(other.parameters)")
      }
    }
  }

  @Test func tieBreakTakesTheMedianOfTiedRunsWhateverTheirOrder() {
    func run(_ x: [Double], _ value: Double) -> MinimizationResult {
      MinimizationResult(x: x, value: value, iterations: 1, evaluations: 1, reason: .smallGradient)
    }
    let runs = [
      run([0.3, 1], 0.5), run([0.1, 1], 0.5 * (1 + 1e-12)), run([0.2, 1], 0.5),
      run([0.0, 1], 0.6), run([0.9, 1], .nan),
    ]
    #expect(runs[LawFitter.tieBreak(runs)].x == [0.2, 1])
    let reversed = Array(runs.reversed())
    #expect(reversed[LawFitter.tieBreak(reversed)].x == [0.2, 1])
  }
}
