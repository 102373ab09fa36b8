import Foundation
import Testing

@testable import OrbitAnalysis

/// Issue 23, item 1: fits are made in normalised units, so x or the loss in other units (× any
/// positive constant, 10^−6 … 10^6) changes α by nothing, scales A and E as the units do, and
/// leaves intervals, bounds and the floor verdict as they were.
@Suite struct UnitInvarianceTests {
  /// Pure and floored laws, shallow and steep, 1 to 5 seeds, 0.3 % to 5 % noise, x from data
  /// fractions to parameter counts.
  static let shapes: [SimulatedLaw] = [
    .dataFraction,
    SimulatedLaw(
      a: 2, alpha: 0.35, floor: 0, scales: (6...16).map { pow(2, Double($0)) }, seeds: 3,
      noise: 0.02),
    SimulatedLaw(
      a: 400, alpha: 0.34, floor: 1.8, scales: [1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10], seeds: 2,
      noise: 0.003),
    SimulatedLaw(
      a: 0.8, alpha: 0.08, floor: 0, scales: [1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6], seeds: 1,
      noise: 0.005),
    SimulatedLaw(
      a: 30, alpha: 1.1, floor: 0.2, scales: [10, 20, 40, 80, 160, 320], seeds: 5, noise: 0.05),
    // Ill-posed: a floor law on 5 noisy points of a shallow curve, whose refits scatter.
    SimulatedLaw(
      a: 0.8, alpha: 0.08, floor: 0, scales: [1e3, 3e3, 1e4, 3e4, 1e5], seeds: 1, noise: 0.05),
  ]

  /// (x factor, loss factor): each end of 10^−6 … 10^6 for x and for the loss, alone and
  /// together, and a mixed pair.
  static let factors: [(x: Double, y: Double)] = [
    (1e-6, 1), (1e6, 1), (1, 1e-6), (1, 1e6), (1e-6, 1e6), (1e6, 1e-6), (1e-3, 1e3),
  ]

  static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-6) -> Bool {
    abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-300)
  }

  @Test(arguments: shapes)
  func rescalingXOrTheLossChangesNothingButTheUnits(_ law: SimulatedLaw) throws {
    var settings = AnalysisSettings(y: "loss", xs: ["x"])
    settings.bootstrap = 20
    settings.threads = 2
    let d = law.data()
    let base = try FamilyFit.fit(
      group: "g", axis: "x", x: d.x, y: d.y, seeds: d.seeds, settings: settings)
    for (sx, sy) in Self.factors {
      let scaled = try FamilyFit.fit(
        group: "g", axis: "x", x: d.x.map { $0 * sx }, y: d.y.map { $0 * sy }, seeds: d.seeds,
        settings: settings)
      let context = "\(law) × (\(sx), \(sy))"
      for (b, s) in [(base.withFloor, scaled.withFloor), (base.pure, scaled.pure)] {
        let alpha = b.fit.parameter("alpha")
        // What each parameter is multiplied by: α by nothing, A by sy·sx^α, E by sy.
        let units = ["alpha": 1, "A": sy * pow(sx, alpha), "E": sy]
        #expect(Self.close(s.fit.objective, b.fit.objective), "objective, \(context)")
        for name in b.fit.law.parameterNames {
          let unit = units[name]!
          #expect(
            Self.close(s.fit.parameter(name), b.fit.parameter(name) * unit),
            "\(b.fit.law) \(name) \(s.fit.parameter(name)) vs \(b.fit.parameter(name)), \(context)")
          let (bi, si) = (b.interval(name)!, s.interval(name)!)
          #expect(si.bound == bi.bound, "\(name) bound, \(context)")
          // A resample's A is in x's units through its own α, so A's interval is not the base
          // one times a single factor; α's and E's are.
          guard name != "A" else { continue }
          #expect(Self.close(si.lower, bi.lower * unit), "\(name) lower, \(context)")
          #expect(Self.close(si.upper, bi.upper * unit), "\(name) upper, \(context)")
        }
      }
      #expect(scaled.floorIsSignificant == base.floorIsSignificant, "floor verdict, \(context)")
      #expect(Self.close(scaled.floorOnset, base.floorOnset * sx, 1e-5), "onset, \(context)")
    }
  }

  /// The same for the point estimates of random shapes (`SimulatedLaw.random`), ill-posed ones
  /// included, whose bootstrap refits land chaotically but whose fits do not.
  @Test func randomShapesGiveTheSameFitInAnyUnits() throws {
    for index in 0..<24 as Range<UInt64> {
      let law = SimulatedLaw.random(index)
      let d = law.data(index: index)
      for model in [ScalingLaw.powerLaw, .powerLawNoFloor] {
        var fitter = LawFitter(law: model)
        fitter.threads = 2
        let base = try fitter.fit(x: d.x, y: d.y)
        for (sx, sy) in Self.factors.prefix(index % 2 == 0 ? 4 : 7).suffix(3) {
          let scaled = try fitter.fit(x: d.x.map { $0 * sx }, y: d.y.map { $0 * sy })
          let alpha = base.parameter("alpha")
          let context = "\(index): \(law), \(model) × (\(sx), \(sy))"
          #expect(Self.close(scaled.objective, base.objective), "\(context)")
          #expect(Self.close(scaled.parameter("alpha"), alpha), "\(context)")
          #expect(Self.close(scaled.parameter("A"), base.parameter("A") * sy * pow(sx, alpha)))
          #expect(Self.close(scaled.parameter("E"), base.parameter("E") * sy), "\(context)")
        }
      }
    }
  }

  /// The measurement: on data fractions the old search reported α = −20 and an E above
  /// the lowest loss; the same data × 1000 gave the true law. Now both give it.
  @Test func theDataFractionExampleFitsTheLawItWasDrawnFrom() throws {
    let d = SimulatedLaw.dataFraction.data(index: SimulatedLaw.failedDraw)
    for factor in [1.0, 1000] {
      let fit = try LawFitter(law: .powerLaw).fit(x: d.x.map { $0 * factor }, y: d.y)
      #expect(abs(fit.parameter("alpha") - 0.5) < 0.03, "× \(factor): \(fit.parameters)")
      #expect(abs(fit.parameter("E") - 0.05) < 0.003, "× \(factor): \(fit.parameters)")
      let pure = try LawFitter(law: .powerLawNoFloor).fit(x: d.x, y: d.y)
      #expect(fit.objective < pure.objective / 5, "the floor law is the law here")
    }
  }
}
