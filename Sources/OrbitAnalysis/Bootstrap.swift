import Foundation

/// A two-sided percentile interval at a stated level.
public struct Interval: Sendable, Codable, Equatable {
  public var lower: Double
  public var upper: Double
  /// Coverage, e.g. 0.95.
  public var level: Double

  public init(lower: Double, upper: Double, level: Double) {
    self.lower = lower
    self.upper = upper
    self.level = level
  }

  /// Whether `value` lies inside (bounds included).
  public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }

  /// The percentile interval of `values` (linear interpolation between order statistics, as
  /// numpy's default), ignoring non-finite values; nil when none are finite.
  public static func percentile(_ values: [Double], level: Double) -> Interval? {
    let sorted = values.filter(\.isFinite).sorted()
    guard !sorted.isEmpty else { return nil }
    let tail = (1 - level) / 2
    return Interval(
      lower: quantile(sorted, tail), upper: quantile(sorted, 1 - tail), level: level)
  }
}

/// The q-quantile of sorted values, linear between order statistics.
func quantile(_ sorted: [Double], _ q: Double) -> Double {
  let position = q * Double(sorted.count - 1)
  let low = Int(position.rounded(.down))
  let high = min(low + 1, sorted.count - 1)
  let fraction = position - Double(low)
  return sorted[low] + fraction * (sorted[high] - sorted[low])
}

/// SplitMix64: a tiny, well-mixed generator; one per resample keeps results independent of
/// thread count and order.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Bootstrap refits of a law: resample points (or whole clusters of points, such as all trials
/// of one seed) with replacement and refit from the full-sample optimum.
public struct Bootstrap: Sendable {
  /// Number of resamples.
  public var resamples: Int = 1000
  /// Interval coverage.
  public var level: Double = 0.95
  /// Seed of the resampling, so a report is reproducible.
  public var seed: UInt64 = 0
  /// OS threads for the refits (results do not depend on it).
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  public init() {}

  /// The outcome: each resample's natural parameters, and intervals.
  public struct Result: Sendable {
    /// Natural parameters per successful resample (`law.parameterNames` order).
    public var samples: [[Double]]
    /// One interval per parameter.
    public var intervals: [Interval]
    /// Resamples whose refit failed (non-finite), excluded from the intervals.
    public var failed: Int
  }

  /// Resample weights for resample `index`: each cluster drawn with replacement.
  /// - Parameters:
  ///   - clusters: cluster id per point (points of one cluster move together).
  ///   - index: resample number (seeds its own generator).
  public func weights(clusters: [Int], index: Int) -> [Double] {
    var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03) &+ 1)
    let ids = Array(Set(clusters)).sorted()
    var draws = [Int: Double]()
    for _ in 0..<ids.count { draws[ids[Int(rng.next() % UInt64(ids.count))], default: 0] += 1 }
    return clusters.map { draws[$0] ?? 0 }
  }

  /// Refits `fit`'s law on every resample.
  /// - Parameters:
  ///   - fitter: the fitter (its options decide the stopping tests).
  ///   - objective: the full-sample objective.
  ///   - fit: the full-sample fit; refits start at its optimum.
  ///   - clusters: cluster id per point; nil resamples single points.
  public func run(
    fitter: LawFitter, objective: HuberLogObjective, fit: LawFit, clusters: [Int]? = nil
  ) -> Result {
    let clusters = clusters ?? Array(0..<objective.logY.count)
    let runs = parallelMap(count: resamples, threads: threads) { b -> [Double]? in
      var resampled = objective
      resampled.weights = weights(clusters: clusters, index: b)
      let refit = fitter.refit(resampled, from: fit.logParameters)
      return refit.objective.isFinite && refit.parameters.allSatisfy(\.isFinite)
        ? refit.parameters : nil
    }
    let samples = runs.compactMap { $0 }
    let intervals = fit.law.parameterNames.indices.map { p in
      Interval.percentile(samples.map { $0[p] }, level: level)
        ?? Interval(lower: .nan, upper: .nan, level: level)
    }
    return Result(samples: samples, intervals: intervals, failed: runs.count - samples.count)
  }
}
