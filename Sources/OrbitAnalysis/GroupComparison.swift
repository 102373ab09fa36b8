import Foundation

/// Two families on the same axis: the exponent difference and the effective-data multiplier
/// k(L) = x_baseline(L) / x_other(L), how many times more data the baseline needs to reach the
/// loss the other family reaches; and a verdict that only says what the intervals support.
public struct GroupComparison: Sendable {
  /// The family compared against (usually the one without structure).
  public var baseline: String
  /// The other family.
  public var other: String
  /// The axis both were fitted on.
  public var axis: String
  /// α_other − α_baseline from the pure power laws, with its bootstrap interval.
  public var exponentDifference: Double
  public var exponentDifferenceInterval: Interval?
  /// The multiplier at each measured x of the other family.
  public var multipliers: [Multiplier]
  /// What the intervals support.
  public var verdict: Verdict
  /// The verdict in plain words.
  public var sentence: String

  /// k at one loss.
  public struct Multiplier: Sendable {
    /// The other family's x and its fitted loss there.
    public var x: Double
    public var loss: Double
    /// How many times more x the baseline needs for that loss (∞ if its floor is above it).
    public var k: Double
    public var interval: Interval?
    /// True when the baseline's x for this loss lies outside its measured range.
    public var extrapolated: Bool
  }

  /// The three answers a comparison can give; a floor never yields `differentExponent`.
  public enum Verdict: String, Sendable, Codable {
    case differentExponent = "different exponent"
    case sameExponentConstantFactor = "same exponent, constant multiplier"
    case cannotTell = "cannot tell at this sample size"
  }

  /// The baseline's x needed to reach `loss` under a floor law (∞ at or below its floor).
  static func xNeeded(_ q: [Double], loss: Double) -> Double {
    let excess = loss - q[2]
    return excess > 0 ? pow(q[0] / excess, 1 / q[1]) : .infinity
  }

  /// Compares `other` against `baseline` (both fitted on the same axis).
  public static func compare(
    baseline: FamilyFit, other: FamilyFit, settings: AnalysisSettings
  ) -> GroupComparison {
    let level = settings.level
    let alphaA = baseline.pure.fit.parameter("alpha")
    let difference = other.pure.fit.parameter("alpha") - alphaA
    let pairs = min(baseline.pure.samples.count, other.pure.samples.count)
    let differenceInterval =
      pairs > 0
      ? Interval.percentile(
        (0..<pairs).map { other.pure.samples[$0][1] - baseline.pure.samples[$0][1] }, level: level)
      : nil
    let qA = baseline.withFloor.fit.parameters
    let qB = other.withFloor.fit.parameters
    let lowA = baseline.x.min()!
    let highA = baseline.x.max()!
    let floorPairs = min(baseline.withFloor.samples.count, other.withFloor.samples.count)
    let multipliers = Set(other.x).sorted().map { x -> Multiplier in
      let loss = predictLaw(.powerLaw, qB, x, 1)
      let needed = xNeeded(qA, loss: loss)
      let samples = (0..<floorPairs).map { b -> Double in
        let sB = other.withFloor.samples[b]
        return xNeeded(baseline.withFloor.samples[b], loss: predictLaw(.powerLaw, sB, x, 1)) / x
      }
      // A 1 % margin keeps points at the ends of the measured range from flickering out.
      let inside = needed >= lowA * 0.99 && needed <= highA * 1.01
      return Multiplier(
        x: x, loss: loss, k: needed / x,
        interval: floorPairs > 0 ? Interval.percentile(samples, level: level) : nil,
        extrapolated: !inside)
    }
    var comparison = GroupComparison(
      baseline: baseline.group, other: other.group, axis: baseline.axis,
      exponentDifference: difference, exponentDifferenceInterval: differenceInterval,
      multipliers: multipliers, verdict: .cannotTell, sentence: "")
    (comparison.verdict, comparison.sentence) = judge(
      comparison, baseline: baseline, other: other, settings: settings)
    return comparison
  }

  /// The verdict and its sentence: floors first (the floor trap), then exponents, then k.
  static func judge(
    _ c: GroupComparison, baseline: FamilyFit, other: FamilyFit, settings: AnalysisSettings
  ) -> (Verdict, String) {
    var words: [String] = []
    let floored = [baseline, other].filter(\.floorIsSignificant)
    for family in floored {
      words.append(family.floorSentence(subject: family.group, purpose: "comparing exponents"))
    }
    // Below the earliest floor onset, multipliers still measure a constant factor.
    let limit = floored.map(\.floorOnset).min() ?? .infinity
    let usable = c.multipliers.filter { !$0.extrapolated && $0.k.isFinite && $0.x <= limit }
    let ks = usable.map(\.k)
    let constant = ks.count >= 2 && ks.max()! / ks.min()! <= settings.constantMultiplierRatio
    let alphaA = baseline.pure.fit.parameter("alpha")
    let range =
      usable.isEmpty
      ? "" : "\(c.axis) = \(format(usable.first!.x))–\(format(usable.last!.x))"
    let kText: String = {
      guard !ks.isEmpty else { return "" }
      let mean = exp(ks.map { log($0) }.reduce(0, +) / Double(ks.count))
      let lows = usable.compactMap { $0.interval?.lower }
      let highs = usable.compactMap { $0.interval?.upper }
      let span = lows.isEmpty ? "" : " [\(format(lows.min()!)), \(format(highs.max()!))]"
      return "k ≈ \(format(mean))×\(span)"
    }()
    let differenceInterval = c.exponentDifferenceInterval
    let exponentsDiffer = differenceInterval.map { !$0.contains(0) } ?? false
    let exponentsAgree =
      differenceInterval.map {
        $0.contains(0) && max(-$0.lower, $0.upper) <= settings.exponentTolerance * alphaA
      } ?? false
    let verdict: Verdict
    // A floor only flattens a pure power law (its log–log slope is α·A x^−α / L < α). So when
    // only one family has a floor and its pure exponent is still the larger one, the
    // difference is real and, if anything, understated; every other floor case stays open.
    let steeperDespiteFloor =
      differenceInterval.map { interval in
        (other.floorIsSignificant && !baseline.floorIsSignificant && interval.lower > 0)
          || (baseline.floorIsSignificant && !other.floorIsSignificant && interval.upper < 0)
      } ?? false
    if steeperDespiteFloor {
      verdict = .differentExponent
      let floored = floored[0].group
      words.append(
        "A floor can only flatten a pure power law, and \(floored) is still the steeper curve:"
          + " Δα = \(format(c.exponentDifference))\(bracket(differenceInterval)) (\(c.other) − "
          + "\(c.baseline)), so the exponents differ, by at least this much"
          + (usable.isEmpty
            ? "."
            : "; the multiplier goes from \(format(ks.first!))× at \(c.axis) = "
              + "\(format(usable.first!.x)) to \(format(ks.last!))× at \(format(usable.last!.x))."))
    } else if !floored.isEmpty {
      verdict = constant ? .sameExponentConstantFactor : .cannotTell
      if constant {
        words.append(
          "Below the floor, at \(range), \(c.other) is worth a constant \(kText) data over"
            + " \(c.baseline): same exponent, constant factor there.")
      } else {
        words.append(
          usable.isEmpty
            ? "Below the floor no measured loss of \(c.other) is inside \(c.baseline)'s range,"
              + " so no multiplier can be read without extrapolating."
            : "Below the floor, at \(range), the multiplier is not constant (k from "
              + "\(format(ks.first!))× to \(format(ks.last!))×): cannot tell the exponents apart"
              + " until the floor is removed.")
      }
    } else if exponentsDiffer {
      verdict = .differentExponent
      words.append(
        "\(c.other) and \(c.baseline) scale with different exponents: Δα = "
          + "\(format(c.exponentDifference))\(bracket(differenceInterval)).")
    } else if exponentsAgree && constant {
      verdict = .sameExponentConstantFactor
      words.append(
        "Same exponent (Δα = \(format(c.exponentDifference))\(bracket(differenceInterval))),"
          + " constant multiplier: \(c.other) is worth \(kText) data over \(c.baseline) at"
          + " \(range).")
    } else {
      verdict = .cannotTell
      words.append(
        "Cannot tell at this sample size whether \(c.other) changes the exponent: Δα = "
          + "\(format(c.exponentDifference))\(bracket(differenceInterval))"
          + (kText.isEmpty ? "." : "; at \(range) \(kText)."))
    }
    return (verdict, words.joined(separator: " "))
  }
}

/// Four significant digits, plain or scientific, for prose and tables.
func format(_ value: Double) -> String {
  guard value.isFinite else { return value > 0 ? "∞" : (value < 0 ? "−∞" : "n/a") }
  let magnitude = abs(value)
  if magnitude != 0 && (magnitude >= 1e6 || magnitude < 1e-3) {
    return String(format: "%.3g", value)
  }
  var text = String(format: "%.4g", value)
  if text.contains("e") { text = String(format: "%.0f", value) }
  return text
}

/// " [lower, upper]" or "" when there is no interval.
func bracket(_ interval: Interval?) -> String {
  guard let interval else { return "" }
  return " [\(format(interval.lower)), \(format(interval.upper))]"
}
