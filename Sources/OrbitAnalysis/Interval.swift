import Foundation

/// A percentile interval at a stated level: two-sided, or one-sided when the parameter sits at a
/// bound of its range (`bound`).
public struct Interval: Sendable, Codable, Equatable {
  public var lower: Double
  public var upper: Double
  /// Coverage, e.g. 0.95.
  public var level: Double
  /// nil for a two-sided interval. `.upper`: only an upper limit is measured, because the
  /// parameter sits at the lower end of its range (E → 0); `lower` is that end itself (0) and the
  /// interval reads "E < upper". `.lower`: the mirror image, "> lower".
  public var bound: Bound?
  /// The percentile interval of the refits missed the estimate and was stretched to it: the
  /// refits disagree with the full-sample fit (said in the warnings).
  public var stretched = false

  /// Which end of a one-sided interval is the measured limit.
  public enum Bound: String, Sendable, Codable {
    case upper, lower
  }

  public init(lower: Double, upper: Double, level: Double, bound: Bound? = nil) {
    self.lower = lower
    self.upper = upper
    self.level = level
    self.bound = bound
  }

  /// Whether `value` lies inside (bounds included).
  public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }

  /// The percentile interval of `values` (linear interpolation between order statistics, as
  /// numpy's default), ignoring non-finite values; nil when none are finite.
  /// - Parameter keepInfinity: count +∞ values (sorted last) instead of dropping them, so that
  ///   an upper bound beyond every finite resample is +∞ — an open interval, said as such —
  ///   rather than the largest finite one (multipliers: a resample below the baseline's floor).
  public static func percentile(_ values: [Double], level: Double, keepInfinity: Bool = false)
    -> Interval?
  {
    let sorted = values.filter { $0.isFinite || (keepInfinity && $0 == .infinity) }.sorted()
    guard !sorted.isEmpty else { return nil }
    let tail = (1 - level) / 2
    return Interval(
      lower: quantile(sorted, tail), upper: quantile(sorted, 1 - tail), level: level)
  }

  /// The interval reported for `estimate`: the percentile interval of its bootstrap `samples`,
  /// stretched to the estimate when it lies outside (and marked `stretched`). A percentile
  /// interval can miss its estimate when the refits of the resamples land elsewhere than the
  /// full-sample fit; printing "5231 [0.00064, 0.001061]" would be a contradiction, so the
  /// interval always contains the estimate and the disagreement is reported, not hidden.
  public static func around(
    _ estimate: Double, samples: [Double], level: Double, keepInfinity: Bool = false
  ) -> Interval? {
    guard var interval = percentile(samples, level: level, keepInfinity: keepInfinity) else {
      return nil
    }
    guard !estimate.isNaN, !interval.contains(estimate) else { return interval }
    interval.lower = min(interval.lower, estimate)
    interval.upper = max(interval.upper, estimate)
    interval.stretched = true
    return interval
  }

  /// The interval of a parameter that is ≥ 0 and fitted through its log (the floor E, which
  /// reaches 0 only as log E → −∞). When the estimate or the two-sided interval's lower end is
  /// below `negligible` — indistinguishable from 0 on these data — the parameter is at its bound
  /// and the interval is one-sided: [0, the `level` quantile of the samples], never below the
  /// estimate or `negligible`, so it is never zero-width ("E < 0.003", not "[1.5e-39, 1.5e-39]").
  /// Otherwise the two-sided `around`.
  public static func nonNegative(
    _ estimate: Double, samples: [Double], level: Double, negligible: Double
  ) -> Interval? {
    guard let twoSided = around(estimate, samples: samples, level: level) else { return nil }
    guard estimate < negligible || twoSided.lower < negligible else { return twoSided }
    let sorted = samples.filter(\.isFinite).sorted()
    let upper = max(quantile(sorted, level), estimate, negligible)
    return Interval(lower: 0, upper: upper, level: level, bound: .upper)
  }
}

/// The q-quantile of sorted values, linear between order statistics.
func quantile(_ sorted: [Double], _ q: Double) -> Double {
  let position = q * Double(sorted.count - 1)
  let low = Int(position.rounded(.down))
  let high = min(low + 1, sorted.count - 1)
  let fraction = position - Double(low)
  if sorted[high] == .infinity {
    return fraction > 0 || sorted[low] == .infinity ? .infinity : sorted[low]
  }
  return sorted[low] + fraction * (sorted[high] - sorted[low])
}
