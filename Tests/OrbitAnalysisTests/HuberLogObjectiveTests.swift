import Foundation
import Testing

@testable import OrbitAnalysis

@Suite struct HuberLogObjectiveTests {
  /// The objective written the obvious way: log-sum-exp with a max shift, scalar exp and log.
  static func reference(_ o: HuberLogObjective, _ p: [Double]) -> (Double, [Double]) {
    var total = 0.0
    var g = [Double](repeating: 0, count: 5)
    for i in o.logY.indices {
      let t = [p[0] - p[1] * o.logX[i], p[2] - p[3] * o.logSecondX[i], p[4]]
      let top = t.max()!
      let weights = t.map { exp($0 - top) }
      let sum = weights.reduce(0, +)
      let r = top + log(sum) - o.logY[i]
      total += o.weights[i] * (abs(r) <= o.delta ? 0.5 * r * r : o.delta * (abs(r) - 0.5 * o.delta))
      let c = o.weights[i] * min(max(r, -o.delta), o.delta) / sum
      g[0] += c * weights[0]
      g[1] -= c * weights[0] * o.logX[i]
      g[2] += c * weights[1]
      g[3] -= c * weights[1] * o.logSecondX[i]
      g[4] += c * weights[2]
    }
    return (total, g)
  }

  @Test func vectorPathMatchesTheScalarFormula() throws {
    let points = try TestData.chinchillaPoints()
    var objective = try LawFitter(law: .chinchilla).makeObjective(
      x: points.n, secondX: points.d, y: points.loss)
    objective.weights = objective.weights.indices.map { Double($0 % 3) }  // bootstrap-like
    objective.vectorized = true
    var rng = SplitMix64(seed: 3)
    func uniform(_ low: Double, _ high: Double) -> Double {
      low + (high - low) * Double(rng.next() >> 11) / Double(1 << 53)
    }
    // Random points over the start grid, plus ones that force the scalar fallback.
    var params = (0..<200).map { _ in
      [uniform(0, 25), uniform(-0.5, 2), uniform(0, 25), uniform(-0.5, 2), uniform(-2, 2)]
    }
    params += [[800, 0.1, 3, 0.3, 0.5], [-900, 0.3, -900, 0.3, -700], [5, -40, 5, 0.3, 0.5]]
    for p in params {
      var g = [Double](repeating: 0, count: 5)
      let value = objective.value(at: p, gradient: &g)
      let (expected, expectedG) = Self.reference(objective, p)
      #expect(abs(value - expected) <= 1e-12 * abs(expected), "p = \(p)")
      let scale = expectedG.map(abs).max()! + 1e-300
      for k in 0..<5 { #expect(abs(g[k] - expectedG[k]) <= 1e-11 * scale, "p = \(p), k = \(k)") }
    }
  }

  @Test func vectorExpAndLogAreAccurate() {
    for x in stride(from: -699.0, through: 699, by: 0.37) {
      let got = exp4(Double4(repeating: x))[0]
      #expect(abs(got - exp(x)) <= 4e-16 * exp(x), "exp(\(x))")
    }
    for x in stride(from: 1e-300, through: 1e300, by: 3.7e297) + [0.5, 1, 1.5, 2, 3, 1e-5] {
      let got = log4(Double4(repeating: x))[0]
      #expect(abs(got - log(x)) <= 4e-16 * max(1, abs(log(x))), "log(\(x))")
    }
  }
}
