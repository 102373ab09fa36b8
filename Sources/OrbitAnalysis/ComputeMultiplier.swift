import Foundation

/// Two families per unit of compute: at budgets C inside both frontiers' measured compute, how
/// many times more compute the baseline needs to reach the other family's frontier loss,
/// k_C = C_baseline(L_other(C)) / C, with its interval; its trend k_C ∝ C^κ; and, when the
/// advantage shrinks, the compute where the two frontiers cross (scale overtakes structure).
public struct ComputeMultiplier: Sendable {
  public var baseline: String
  public var other: String
  public var axis: String
  /// k at each compared budget, ascending in compute.
  public var points: [Point]
  /// κ in k_C ∝ C^κ (least squares in log–log over `points`).
  public var kappa: Estimate
  public var trend: Trend
  /// Where k_C = 1 on the trend, when the advantage shrinks (nil otherwise).
  public var crossover: Double?
  /// The crossover lies beyond the compute both families measured.
  public var crossoverExtrapolated = false
  /// The largest compute on the baseline's frontier.
  public var measuredComputeOfBaseline: Double = 0

  public struct Point: Sendable {
    public var compute: Double
    /// ∞ when the other family's frontier loss lies below the baseline's floor.
    public var k: Estimate
    /// The compute the baseline would need, k·C, lies beyond what it measured: k reads the
    /// baseline's fitted frontier outside its data (a family far ahead is compared so).
    public var extrapolated = false
  }

  /// What the interval of κ supports about the family that is ahead.
  public enum Trend: String, Sendable, Codable {
    case constant = "constant"
    case shrinks = "shrinks"
    case grows = "grows"
    case cannotTell = "cannot tell"
  }

  /// Budgets compared: log-spaced over the overlap of the two measured ranges.
  static let budgetsCompared = 5

  /// Compares two families' frontiers; nil when either has no fit or their compute ranges do
  /// not overlap by a factor of 2 at least.
  public static func make(
    baseline: ComputeFrontier, other: ComputeFrontier, level: Double
  ) -> ComputeMultiplier? {
    guard let base = baseline.fit, let fit = other.fit,
      let low = [baseline.compute.first, other.compute.first].compactMap({ $0 }).max(),
      let high = [baseline.compute.last, other.compute.last].compactMap({ $0 }).min(),
      high >= 2 * low
    else { return nil }
    let budgets = (0..<budgetsCompared).map {
      exp(log(low) + (log(high) - log(low)) * Double($0) / Double(budgetsCompared - 1))
    }
    func ks(_ qBase: [Double], _ qOther: [Double]) -> [Double] {
      budgets.map { c in
        GroupComparison.xNeeded(qBase, loss: floorLaw(qOther, at: c)) / c
      }
    }
    func slope(_ k: [Double]) -> Double? {
      guard k.allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
      return lineFit(budgets.map { log($0) }, k.map { log($0) }).1
    }
    let estimate = ks(base.fit.parameters, fit.fit.parameters)
    let pairs = min(base.samples.count, fit.samples.count)
    let sampled = (0..<pairs).map { ks(base.samples[$0], fit.samples[$0]) }
    let measured = (baseline.compute.first ?? 0)...(baseline.compute.last ?? 0)
    let points = budgets.indices.map { j in
      Point(
        compute: budgets[j],
        k: Estimate(
          estimate[j],
          pairs == 0
            ? nil
            : Interval.around(
              estimate[j], samples: sampled.map { $0[j] }, level: level, keepInfinity: true)),
        extrapolated: !(measured.lowerBound / 1.01...measured.upperBound * 1.01).contains(
          estimate[j] * budgets[j]))
    }
    let kappaValue = slope(estimate) ?? .nan
    let kappaSamples = sampled.compactMap(slope)
    let kappaInterval =
      kappaSamples.count * 2 >= max(pairs, 1)
      ? Interval.around(kappaValue, samples: kappaSamples, level: level) : nil
    var multiplier = ComputeMultiplier(
      baseline: baseline.group, other: other.group, axis: baseline.axis, points: points,
      kappa: Estimate(kappaValue, kappaInterval), trend: .cannotTell)
    multiplier.measuredComputeOfBaseline = measured.upperBound
    guard kappaValue.isFinite, let kappaInterval else { return multiplier }
    // The advantage belongs to whichever family is ahead in the middle of the range.
    let middle = points[points.count / 2]
    let ahead = log(middle.k.value)
    if kappaInterval.lower <= 0 && 0 <= kappaInterval.upper {
      multiplier.trend = .constant
    } else if (kappaValue < 0) == (ahead > 0) {
      multiplier.trend = .shrinks
      let crossing = middle.compute * exp(-ahead / kappaValue)
      multiplier.crossover = crossing
      multiplier.crossoverExtrapolated = crossing < low / 1.01 || crossing > high * 1.01
    } else {
      multiplier.trend = .grows
    }
    return multiplier
  }

  /// The finding in words.
  public var sentence: String {
    guard let first = points.first, let last = points.last else { return "" }
    let range =
      "from \(format(first.k.value))× at \(axis) = \(format(first.compute)) to "
      + "\(format(last.k.value))× at \(format(last.compute))"
    let beyond = points.filter(\.extrapolated)
    let lead =
      "\(other) vs \(baseline) per unit of compute (\(axis)): the baseline needs \(range)"
      + " the compute for the same frontier loss (κ = \(valueText(kappa.value, kappa.interval)))"
      + (beyond.isEmpty
        ? ""
        : "; at \(beyond.count == points.count ? "every budget" : "\(axis) = " + beyond.map { format($0.compute) }.joined(separator: ", ")) the baseline would need more compute than its"
          + " frontier measured (up to \(format(measuredComputeOfBaseline))), so k is extrapolated there")
    switch trend {
    case .constant: return lead + "; the advantage is constant with compute within the interval."
    case .grows: return lead + "; the advantage grows with compute."
    case .shrinks:
      let cross = crossover.map {
        "; the frontiers would cross at \(axis) ≈ \(format($0))"
          + (crossoverExtrapolated ? " (extrapolated)" : "")
      }
      return lead + "; the advantage shrinks with compute" + (cross ?? "")
        + ": scale overtakes structure."
    case .cannotTell: return lead + "; its trend cannot be told at this sample size."
    }
  }
}

/// A frontier refitted without its largest budget, asked to predict it.
public struct FrontierHoldout: Sendable {
  /// The held-out point.
  public var compute: Double
  public var observed: Double
  /// The refit's prediction there, with a prediction interval (the curve's bootstrap plus the
  /// refit's own residual scatter, so that one noisy point can fall inside).
  public var predicted: Estimate
  /// (predicted − observed) / observed.
  public var relativeError: Double { (predicted.value - observed) / observed }
  public var inside: Bool? { predicted.interval?.contains(observed) }

  /// Frontier points held out need at least this many left to refit (a 3-parameter law).
  static let minimumPoints = 5

  /// Refits `frontier` without its last point; nil with fewer than `minimumPoints` points or
  /// when the refit fails.
  public static func check(_ frontier: ComputeFrontier, settings: AnalysisSettings)
    -> FrontierHoldout?
  {
    let count = frontier.compute.count
    guard count >= minimumPoints else { return nil }
    let x = Array(frontier.compute.dropLast())
    let y = Array(frontier.loss.dropLast())
    guard
      let refit = try? FitWithIntervals.make(
        law: .powerLaw, x: x, y: y, resampling: nil, settings: settings)
    else { return nil }
    let target = frontier.compute[count - 1]
    let q = refit.fit.parameters
    let value = floorLaw(q, at: target)
    let residuals = x.indices.map { log(y[$0]) - log(floorLaw(q, at: x[$0])) }
    var generator = SplitMix64(seed: settings.randomSeed ^ 0x4F1D)
    let samples = refit.samples.map {
      floorLaw($0, at: target) * exp(residuals[Int(generator.next() % UInt64(residuals.count))])
    }
    let interval =
      samples.isEmpty ? nil : Interval.around(value, samples: samples, level: settings.level)
    return FrontierHoldout(
      compute: target, observed: frontier.loss[count - 1], predicted: Estimate(value, interval))
  }

  /// The check in words.
  public var sentence: String {
    let verdict =
      switch inside {
      case true?: "inside its prediction interval"
      case false?: "outside its prediction interval"
      case nil: "no interval"
      }
    return "refitted without its largest budget (\(format(compute))), the frontier predicts "
      + "\(valueText(predicted.value, predicted.interval)) where \(format(observed)) was measured "
      + "(\(String(format: "%+.1f", 100 * relativeError)) %, \(verdict))"
  }
}

/// L = E + A·x^(−α) for natural parameters q = [A, α, E].
func floorLaw(_ q: [Double], at x: Double) -> Double { q[2] + q[0] * pow(x, -q[1]) }
