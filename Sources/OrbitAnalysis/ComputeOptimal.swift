import Foundation

/// A value with its bootstrap interval (nil without a bootstrap).
public struct Estimate: Sendable, Equatable {
  public var value: Double
  public var interval: Interval?

  public init(_ value: Double, _ interval: Interval?) {
    self.value = value
    self.interval = interval
  }
}

/// The compute-optimal allocation of one family, both ways Chinchilla measured it, and whether
/// they agree:
/// * **Approach 3** (parametric): L(N, D) = E + A/N^α + B/D^β gives N*(C) ∝ C^a, D*(C) ∝ C^b with
///   a = β/(α+β), b = α/(α+β); every quantity bootstrapped through the law's resamples;
/// * **Approach 2** (IsoFLOP): a parabola per budget, its vertex N*, then a from the vertices;
/// * the **cross-check**: the two intervals of a overlap.
///
/// Compute is C = 6·N·D here, as in the Chinchilla paper and `ChinchillaFit`.
public struct ComputeOptimal: Sendable {
  /// N*, D* and L* at one budget, from Approach 3.
  public struct Allocation: Sendable {
    public var compute: Double
    public var optimalN: Estimate
    public var optimalD: Estimate
    public var optimalLoss: Estimate
    /// Outside the compute the fit measured (10× and 100× beyond are always marked).
    public var extrapolated: Bool
  }

  public var a: Estimate
  public var b: Estimate
  /// At each measured budget (the IsoFLOP budgets, or the measured compute's ends and middle),
  /// then 10× and 100× beyond the largest.
  public var allocations: [Allocation]
  /// Approach 2, when the runs form IsoFLOP budgets.
  public var isoFLOP: IsoFLOPAnalysis?
  /// Whether Approach 2's and Approach 3's intervals for a overlap (nil: one is missing).
  public var agree: Bool?
  /// The compute the fit saw (C = 6·N·D).
  public var measuredCompute: ClosedRange<Double>

  /// Builds both approaches from a Chinchilla fit and (optionally) an IsoFLOP analysis of the
  /// same runs.
  public static func make(chinchilla: ChinchillaFit, isoFLOP: IsoFLOPAnalysis?, level: Double)
    -> ComputeOptimal
  {
    let measured = chinchilla.measuredCompute
    var budgets =
      isoFLOP?.budgets.map(\.compute)
      ?? [
        measured.lowerBound, (measured.lowerBound * measured.upperBound).squareRoot(),
        measured.upperBound,
      ]
    let largest = max(budgets.max() ?? measured.upperBound, measured.upperBound)
    budgets += [10 * largest, 100 * largest]
    let allocations = budgets.map { compute -> Allocation in
      let point = ChinchillaFit.allocation(chinchilla.result.fit.parameters, compute: compute)
      let samples = chinchilla.result.samples.map {
        ChinchillaFit.allocation($0, compute: compute)
      }
      func estimate(_ value: Double, _ pick: (ChinchillaFit.Optimum) -> Double) -> Estimate {
        Estimate(
          value,
          samples.isEmpty ? nil : Interval.around(value, samples: samples.map(pick), level: level))
      }
      return Allocation(
        compute: compute, optimalN: estimate(point.n, \.n), optimalD: estimate(point.d, \.d),
        optimalLoss: estimate(point.loss, \.loss),
        extrapolated: chinchilla.isExtrapolated(compute: compute))
    }
    let a = Estimate(chinchilla.a, chinchilla.aInterval)
    var agree: Bool?
    if let parametric = chinchilla.aInterval, let isoInterval = isoFLOP?.exponentInterval {
      agree = parametric.lower <= isoInterval.upper && isoInterval.lower <= parametric.upper
    }
    return ComputeOptimal(
      a: a, b: Estimate(chinchilla.b, chinchilla.bInterval), allocations: allocations,
      isoFLOP: isoFLOP, agree: agree, measuredCompute: measured)
  }

  /// The cross-check in one sentence.
  public var agreementSentence: String {
    let parametric = "Approach 3 (parametric L(N, D)) gives " + equation("a", a.value, a.interval)
    guard let iso = isoFLOP else {
      return parametric + "; the runs form no IsoFLOP budgets, so Approach 2 cannot check it."
    }
    let isoText =
      "Approach 2 (IsoFLOP, \(iso.budgets.count) budgets) gives "
      + equation("a", iso.exponent, iso.exponentInterval)
    switch agree {
    case true?: return "\(parametric) and \(isoText): they agree within their intervals."
    case false?:
      return "\(parametric) but \(isoText): they disagree — the law does not describe the"
        + " IsoFLOP minima (or a budget's grid is off-centre); trust neither without checking."
    case nil: return "\(parametric); \(isoText) (no interval to compare)."
    }
  }
}

extension ChinchillaFit {
  /// The compute-optimal point of one law at one budget.
  struct Optimum {
    var n: Double
    var d: Double
    var loss: Double
  }

  /// N*, D* and L* of the law with natural parameters q = [A, α, B, β, E] at `compute` = 6·N·D.
  static func allocation(_ q: [Double], compute: Double) -> Optimum {
    let (bigA, alpha, bigB, beta, floor) = (q[0], q[1], q[2], q[3], q[4])
    let g = pow(alpha * bigA / (beta * bigB), 1 / (alpha + beta))
    let n = g * pow(compute / 6, beta / (alpha + beta))
    let d = compute / 6 / n
    return Optimum(n: n, d: d, loss: floor + bigA / pow(n, alpha) + bigB / pow(d, beta))
  }
}
