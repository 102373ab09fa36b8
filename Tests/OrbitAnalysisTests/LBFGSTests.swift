import Foundation
import Testing

@testable import OrbitAnalysis

@Suite struct LBFGSTests {
  @Test func rosenbrockReachesItsMinimum() {
    let rosenbrock = ClosureObjective(dimension: 2) { x, g in
      let a = 1 - x[0]
      let b = x[1] - x[0] * x[0]
      g[0] = -2 * a - 400 * x[0] * b
      g[1] = 200 * b
      return a * a + 100 * b * b
    }
    let result = LBFGS.minimize(rosenbrock, from: [-1.2, 1])
    #expect(result.converged)
    #expect(abs(result.x[0] - 1) < 1e-6)
    #expect(abs(result.x[1] - 1) < 1e-6)
    #expect(result.value < 1e-12)
  }

  @Test func illConditionedQuadraticIsSolvedExactly() {
    // f = ½ Σ c_i (x_i − i)² with condition number 1e6.
    let scales = [1.0, 10, 100, 1e3, 1e6]
    let quadratic = ClosureObjective(dimension: 5) { x, g in
      var f = 0.0
      for i in 0..<5 {
        let d = x[i] - Double(i)
        f += 0.5 * scales[i] * d * d
        g[i] = scales[i] * d
      }
      return f + 1e-3  // a small positive offset keeps relative tests meaningful
    }
    let result = LBFGS.minimize(quadratic, from: [10, 10, 10, 10, 10])
    #expect(result.converged)
    for i in 0..<5 { #expect(abs(result.x[i] - Double(i)) < 1e-5) }
  }

  @Test func relativeTestsKeepGoingWhereScipyDefaultsStop() {
    // A tiny objective (scale 1e-6): absolute tests stop at the start, relative tests do not.
    let tiny = ClosureObjective(dimension: 2) { x, g in
      let s = 1e-6
      g[0] = s * 2 * (x[0] - 3)
      g[1] = s * 2 * (x[1] + 1)
      return s * ((x[0] - 3) * (x[0] - 3) + (x[1] + 1) * (x[1] + 1) + 1)
    }
    var scipy = LBFGSOptions()
    scipy.tests = .scipyDefaults
    let early = LBFGS.minimize(tiny, from: [0, 0], options: scipy)
    let right = LBFGS.minimize(tiny, from: [0, 0])
    #expect(abs(early.x[0] - 3) > 1)
    #expect(abs(right.x[0] - 3) < 1e-6 && abs(right.x[1] + 1) < 1e-6)
  }

  @Test func nonFiniteStartIsReportedNotLooped() {
    let bad = ClosureObjective(dimension: 1) { _, g in
      g[0] = .nan
      return .nan
    }
    let result = LBFGS.minimize(bad, from: [0])
    #expect(result.reason == .nonFinite)
    #expect(!result.converged)
  }
}
