import Foundation
import Testing

@testable import OrbitAnalysis

/// The verdict rules on hand-made fits: a constant factor needs an exponent difference whose
/// interval holds 0 (or that a reached floor explains), whatever the multipliers say.
@Suite struct ComparisonVerdictTests {
  /// A family on x = 64 … 8192 with pure exponent `alpha` and floor E (onset where E meets the
  /// power term); `significant` sets the floor flag as the analysis would.
  static func family(
    _ group: String, alpha: Double, floor: Double, onset: Double, significant: Bool
  ) -> FamilyFit {
    let x = (6...13).map { pow(2, Double($0)) }
    let y = x.map { pow($0, -alpha) }
    func fit(_ law: ScalingLaw, _ parameters: [Double]) -> FitWithIntervals {
      let interval = parameters.map { Interval(lower: $0 * 0.9, upper: $0 * 1.1, level: 0.95) }
      return FitWithIntervals(
        fit: LawFit(
          law: law, parameters: parameters, logParameters: law.logParameters(parameters),
          objective: 1e-3, converged: true, iterations: 10, starts: 30, startsAtOptimum: 5,
          points: x.count),
        intervals: interval, samples: [])
    }
    return FamilyFit(
      group: group, axis: "n_params", x: x, y: y, seeds: x.map { _ in "0" },
      resampling: Resampling(scheme: .residuals, groups: Array(x.indices)),
      withFloor: fit(.powerLaw, [1, alpha, floor]), pure: fit(.powerLawNoFloor, [1, alpha]),
      floorIsSignificant: significant, floorOnset: onset, localSlopes: [], seedSpread: nil,
      seedLossRatio: nil)
  }

  /// In-range multipliers, steady (9.6× to 9.7×) and precise, and Δα = 0.104 [0.046, 0.155]:
  /// the manifold study's d = 4 (other) against d = 6 (baseline), at 345 and 817 (and 600).
  static func comparison(
    baseline: FamilyFit, other: FamilyFit, scales: [Double] = [345, 817]
  ) -> GroupComparison {
    let multipliers = scales.map { x in
      GroupComparison.Multiplier(
        x: x, loss: 1e-3, k: x == 345 ? 9.6 : 9.7,
        interval: Interval(lower: 6.5, upper: 14.5, level: 0.95), extrapolated: false)
    }
    return GroupComparison(
      baseline: baseline.group, other: other.group, axis: "n_params", exponentDifference: 0.104,
      exponentDifferenceInterval: Interval(lower: 0.046, upper: 0.155, level: 0.95),
      multipliers: multipliers, verdict: .cannotTell, sentence: "")
  }

  static func verdict(baseline: FamilyFit, other: FamilyFit) -> (GroupComparison.Verdict, String) {
    let settings = AnalysisSettings(y: "test_loss", xs: ["n_params"], groupBy: ["d"])
    return GroupComparison.judge(
      comparison(baseline: baseline, other: other), baseline: baseline, other: other,
      settings: settings)
  }

  @Test func exponentsThatDifferWithoutFloorsAreADifferentExponentWhateverTheMultipliers() {
    let (verdict, sentence) = Self.verdict(
      baseline: Self.family("6", alpha: 1.056, floor: 1e-9, onset: 1e9, significant: false),
      other: Self.family("4", alpha: 1.159, floor: 1e-9, onset: 1e9, significant: false))
    #expect(verdict == .differentExponent, "\(sentence)")
  }

  @Test func steadyMultipliersWithFloorsAreNoConstantFactorWhenDeltaAlphaExcludesZero() {
    // As in the manifold run: d = 6's floor is significant but beyond the measured range,
    // d = 4 reaches its floor at 13,517 — and d = 4 is the steeper curve, which no floor
    // explains (a floor only flattens).
    let (verdict, sentence) = Self.verdict(
      baseline: Self.family("6", alpha: 1.056, floor: 2.6e-4, onset: 30_481, significant: true),
      other: Self.family("4", alpha: 1.159, floor: 2.3e-5, onset: 1_000, significant: true))
    #expect(verdict == .cannotTell, "\(sentence)")
    #expect(sentence.contains("not a constant factor"))
    #expect(sentence.contains("excludes 0"))
  }

  @Test func aFloorOnTheFlatterCurveExplainsNothingWhenTheSteeperOneReachesItsFloorFirst() {
    let (verdict, sentence) = Self.verdict(
      baseline: Self.family("6", alpha: 1.056, floor: 2.6e-4, onset: 5_000, significant: true),
      other: Self.family("4", alpha: 1.159, floor: 2.3e-5, onset: 1_000, significant: true))
    #expect(verdict == .cannotTell, "\(sentence)")
  }

  @Test(arguments: [1e6, 6_000])
  func aFloorReachedFirstOnTheFlatterCurveStillAllowsAConstantFactorBelowIt(
    baselineOnset: Double
  ) {
    // As augmentation in the symmetry runs: the structured family reaches its floor first,
    // inside the range, and is therefore the flatter pure power law; below the floor k is
    // steady. The baseline's floor lies beyond the range (teacher 0) or comes later (teacher 2).
    let baseline = Self.family(
      "none", alpha: 1.3, floor: 4e-3, onset: baselineOnset, significant: true)
    let other = Self.family("augment", alpha: 1.2, floor: 1e-2, onset: 1_000, significant: true)
    var comparison = Self.comparison(baseline: baseline, other: other, scales: [345, 600, 817])
    comparison.exponentDifference = -0.1
    comparison.exponentDifferenceInterval = Interval(lower: -0.15, upper: -0.05, level: 0.95)
    let settings = AnalysisSettings(y: "test_loss", xs: ["n_params"])
    let (verdict, sentence) = GroupComparison.judge(
      comparison, baseline: baseline, other: other, settings: settings)
    #expect(verdict == .sameExponentConstantFactor, "\(sentence)")
    // The same two families measured at two scales only: too few to call k constant.
    comparison.multipliers.remove(at: 1)
    let (twoPoints, twoSentence) = GroupComparison.judge(
      comparison, baseline: baseline, other: other, settings: settings)
    #expect(twoPoints == .cannotTell, "\(twoSentence)")
    #expect(twoSentence.contains("too few scales to tell"))
  }

  @Test func twoScalesNeverMakeASameExponentEvenWhenDeltaAlphaHoldsZero() {
    let baseline = Self.family("none", alpha: 0.5, floor: 1e-9, onset: 1e9, significant: false)
    let other = Self.family("augment", alpha: 0.5, floor: 1e-9, onset: 1e9, significant: false)
    let settings = AnalysisSettings(y: "test_loss", xs: ["n_params"])
    for (scales, expected) in [
      ([345.0, 817], GroupComparison.Verdict.cannotTell),
      ([345, 600, 817], .sameExponentConstantFactor),
    ] {
      var comparison = Self.comparison(baseline: baseline, other: other, scales: scales)
      comparison.exponentDifference = 0.01
      comparison.exponentDifferenceInterval = Interval(lower: -0.02, upper: 0.04, level: 0.95)
      let (verdict, sentence) = GroupComparison.judge(
        comparison, baseline: baseline, other: other, settings: settings)
      #expect(verdict == expected, "\(scales.count) scales: \(sentence)")
      #expect(sentence.contains("too few scales to tell") == (scales.count == 2))
    }
  }
}
