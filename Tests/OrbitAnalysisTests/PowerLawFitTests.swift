import Foundation
import Testing

@testable import OrbitAnalysis

@Suite struct PowerLawFitTests {
  /// L = 0.05 + 3·x^(−0.4) at x = 64 … 65,536, 3 % log-normal noise, seeded.
  static func synthetic(outliers: Int = 0) -> (x: [Double], y: [Double]) {
    var rng = SplitMix64(seed: 42)
    var x: [Double] = []
    var y: [Double] = []
    for k in 6...16 {
      for _ in 0..<4 {
        let n = pow(2, Double(k))
        // Box–Muller from two uniforms.
        let u1 = Double(rng.next() >> 11) / Double(1 << 53) + 1e-300
        let u2 = Double(rng.next() >> 11) / Double(1 << 53)
        let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        x.append(n)
        y.append((0.05 + 3 * pow(n, -0.4)) * exp(0.03 * z))
      }
    }
    // Gross outliers: diverged runs reporting 5× the loss.
    for i in 0..<outliers { y[i * 7 + 3] *= 5 }
    return (x, y)
  }

  @Test func recoversKnownParametersFromNoisyData() throws {
    let data = Self.synthetic()
    let fit = try LawFitter(law: .powerLaw).fit(x: data.x, y: data.y)
    // The 150 grid starts and the pure law's optimum (E → 0).
    #expect(fit.converged && fit.starts == 151)
    #expect(abs(fit.parameter("alpha") - 0.4) < 0.03)
    #expect(abs(fit.parameter("E") - 0.05) < 0.01)
    #expect(abs(fit.parameter("A") - 3) / 3 < 0.25)
  }

  @Test func huberResistsGrossOutliers() throws {
    let data = Self.synthetic(outliers: 5)
    let fit = try LawFitter(law: .powerLaw).fit(x: data.x, y: data.y)
    #expect(abs(fit.parameter("alpha") - 0.4) < 0.04)
    #expect(abs(fit.parameter("E") - 0.05) < 0.012)
    // Least squares (a huge δ) is dragged off by the same outliers.
    var squares = LawFitter(law: .powerLaw)
    squares.huberDelta = 10
    let dragged = try squares.fit(x: data.x, y: data.y)
    #expect(abs(dragged.parameter("E") - 0.05) > 3 * abs(fit.parameter("E") - 0.05))
  }

  @Test func noFloorLawIsALineInLogLog() throws {
    let x = [10.0, 100, 1000, 10000]
    let y = x.map { 2 * pow($0, -0.5) }
    let fit = try LawFitter(law: .powerLawNoFloor).fit(x: x, y: y)
    #expect(abs(fit.parameter("alpha") - 0.5) < 1e-6)
    #expect(abs(fit.parameter("A") - 2) < 1e-5)
    #expect(fit.parameter("E") == 0)
  }

  @Test func resultsDoNotDependOnThreadCount() throws {
    let data = Self.synthetic()
    var one = LawFitter(law: .powerLaw)
    one.threads = 1
    var four = LawFitter(law: .powerLaw)
    four.threads = 4
    #expect(
      try one.fit(x: data.x, y: data.y).parameters == four.fit(x: data.x, y: data.y).parameters)
  }

  @Test func rejectsNonPositiveLossWithItsRow() {
    #expect(throws: AnalysisError.self) {
      try LawFitter(law: .powerLaw).fit(x: [1, 2, 3, 4, 5], y: [1, 0.5, -1, 0.2, 0.1])
    }
  }
}
