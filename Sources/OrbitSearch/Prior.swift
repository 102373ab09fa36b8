/// One searchable parameter's prior, as wandb's sweep configuration names its distributions
/// (constants are not searched: they never enter the search space).
///
/// A value is a `Double`: a number, or for a categorical the index of its value.
public enum Prior: Sendable, Hashable {
  /// `values` (wandb's `categorical`), or with `probabilities` (its
  /// `categorical_w_probabilities`); the value is the index.
  case categorical(count: Int, probabilities: [Double]? = nil)
  case intUniform(min: Int64, max: Int64)
  case uniform(min: Double, max: Double)
  case qUniform(min: Double, max: Double, q: Double)
  /// Bounds are exponents: the value is e^x, x uniform on [min, max] (wandb's `log_uniform`).
  case logUniform(min: Double, max: Double)
  case logUniformValues(min: Double, max: Double)
  case qLogUniform(min: Double, max: Double, q: Double)
  case qLogUniformValues(min: Double, max: Double, q: Double)
  /// The value is e^−x, x uniform on [min, max] (wandb's `inv_log_uniform`).
  case invLogUniform(min: Double, max: Double)
  case invLogUniformValues(min: Double, max: Double)
  case normal(mu: Double, sigma: Double)
  case qNormal(mu: Double, sigma: Double, q: Double)
  case logNormal(mu: Double, sigma: Double)
  case qLogNormal(mu: Double, sigma: Double, q: Double)
  case beta(a: Double, b: Double)
  case qBeta(a: Double, b: Double, q: Double)

  /// Whether values are unordered labels (a categorical).
  public var isCategorical: Bool {
    if case .categorical = self { return true }
    return false
  }

  /// The number of distinct values when it is finite and small enough to list, else nil.
  /// Quantised priors on a bounded support count their grid steps.
  public var finiteCount: Int? {
    switch self {
    case .categorical(let count, _): return count
    case .intUniform(let min, let max):
      let span = max.subtractingReportingOverflow(min)
      return span.overflow || span.partialValue >= Int64(Int32.max)
        ? nil : Int(span.partialValue) + 1
    case .qUniform(let min, let max, let q): return Self.steps(min, max, q)
    case .qLogUniform(let min, let max, let q): return Self.steps(_exp(min), _exp(max), q)
    case .qLogUniformValues(let min, let max, let q): return Self.steps(min, max, q)
    case .qBeta(_, _, let q): return Self.steps(0, 1, q)
    default: return nil
    }
  }

  /// Count of the multiples of q that rounding can give on [min, max].
  private static func steps(_ min: Double, _ max: Double, _ q: Double) -> Int? {
    let low = (min / q).rounded(.toNearestOrEven)
    let high = (max / q).rounded(.toNearestOrEven)
    let count = high - low + 1
    return count.isFinite && count >= 1 && count < 1e7 ? Int(count) : nil
  }

  /// The `k`-th of the ``finiteCount`` values, in increasing order.
  public func finiteValue(_ k: Int) -> Double {
    switch self {
    case .categorical: return Double(k)
    case .intUniform(let min, _): return Double(min + Int64(k))
    case .qUniform(let min, _, let q), .qLogUniformValues(let min, _, let q):
      return ((min / q).rounded(.toNearestOrEven) + Double(k)) * q
    case .qLogUniform(let min, _, let q):
      return ((_exp(min) / q).rounded(.toNearestOrEven) + Double(k)) * q
    case .qBeta(_, _, let q): return Double(k) * q
    default: return .nan
    }
  }

  /// P(X ≤ x), wandb's `HyperParameter.cdf`: the map of a value into [0, 1].
  public func cdf(_ x: Double) -> Double {
    switch self {
    case .categorical(let count, let probabilities):
      let index = Swift.min(Swift.max(Int(x.rounded()), 0), count - 1)
      guard let probabilities else { return Double(index + 1) / Double(count) }
      return probabilities[0...index].reduce(0, +)
    case .intUniform(let min, let max):
      let k = (x.rounded(.down) - Double(min) + 1) / (Double(max) - Double(min) + 1)
      return Self.clamp(k)
    case .uniform(let min, let max), .qUniform(let min, let max, _):
      return Self.clamp((x - min) / (max - min))
    case .logUniform(let min, let max), .qLogUniform(let min, let max, _):
      return Self.clamp((_log(x) - min) / (max - min))
    case .logUniformValues(let min, let max), .qLogUniformValues(let min, let max, _):
      return Self.clamp((_log(x) - _log(min)) / (_log(max) - _log(min)))
    case .invLogUniform(let min, let max):
      return 1 - Self.clamp((_log(1 / x) - min) / (max - min))
    case .invLogUniformValues(let min, let max):
      let low = -_log(max)
      return 1 - Self.clamp((_log(1 / x) - low) / abs(_log(max) - _log(min)))
    case .normal(let mu, let sigma), .qNormal(let mu, let sigma, _):
      return SpecialFunctions.normalCDF((x - mu) / sigma)
    case .logNormal(let mu, let sigma), .qLogNormal(let mu, let sigma, _):
      guard x > 0 else { return 0 }
      return SpecialFunctions.normalCDF((_log(x) - mu) / sigma)
    case .beta(let a, let b), .qBeta(let a, let b, _):
      return SpecialFunctions.incompleteBeta(x, a: a, b: b)
    }
  }

  /// The value whose CDF is `u` (wandb's `HyperParameter.ppf`), quantised for `q_*` and an
  /// integer (as a `Double`) for `int_uniform` and categoricals.
  public func ppf(_ u: Double) -> Double {
    let u = Self.clamp(u)
    switch self {
    case .categorical(let count, let probabilities):
      guard let probabilities else {
        // scipy's randint.ppf: the smallest k with (k+1)/count ≥ u.
        // (1e-9 absorbs the rounding of cdf's (k + 1)/count, so the round trip is exact.)
        let k = Int((u * Double(count) - 1e-9).rounded(.up)) - 1
        return Double(Swift.min(Swift.max(k, 0), count - 1))
      }
      var total = 0.0
      for (index, p) in probabilities.enumerated() {
        total += p
        if u <= total + 1e-12 { return Double(index) }
      }
      return Double(count - 1)
    case .intUniform(let min, let max):
      let span = Double(max) - Double(min) + 1
      let k = Swift.min(Swift.max((u * span - 1e-9).rounded(.up) - 1, 0), span - 1)
      return Double(min) + k
    case .uniform(let min, let max): return min + u * (max - min)
    case .qUniform(let min, let max, let q): return Self.quantise(min + u * (max - min), q)
    case .logUniform(let min, let max): return _exp(min + u * (max - min))
    case .qLogUniform(let min, let max, let q): return Self.quantise(_exp(min + u * (max - min)), q)
    case .logUniformValues(let min, let max):
      return _exp(_log(min) + u * (_log(max) - _log(min)))
    case .qLogUniformValues(let min, let max, let q):
      return Self.quantise(_exp(_log(min) + u * (_log(max) - _log(min))), q)
    case .invLogUniform(let min, let max): return _exp(-(min + (1 - u) * (max - min)))
    case .invLogUniformValues(let min, let max):
      let low = -_log(max)
      return _exp(-(low + (1 - u) * abs(_log(max) - _log(min))))
    case .normal(let mu, let sigma): return mu + sigma * SpecialFunctions.normalPPF(Self.open(u))
    case .qNormal(let mu, let sigma, let q):
      return Self.quantise(mu + sigma * SpecialFunctions.normalPPF(Self.open(u)), q)
    case .logNormal(let mu, let sigma):
      return _exp(mu + sigma * SpecialFunctions.normalPPF(Self.open(u)))
    case .qLogNormal(let mu, let sigma, let q):
      return Self.quantise(_exp(mu + sigma * SpecialFunctions.normalPPF(Self.open(u))), q)
    case .beta(let a, let b): return SpecialFunctions.inverseIncompleteBeta(u, a: a, b: b)
    case .qBeta(let a, let b, let q):
      return Self.quantise(SpecialFunctions.inverseIncompleteBeta(u, a: a, b: b), q)
    }
  }

  /// wandb's quantisation: round(x / q)·q, half to even as numpy rounds.
  static func quantise(_ x: Double, _ q: Double) -> Double { (x / q).rounded(.toNearestOrEven) * q }

  /// Keeps a unit coordinate off 0 and 1 for unbounded priors, whose quantiles there are
  /// infinite: 1e-9 is ±6 standard deviations, beyond any value a search should try.
  static func open(_ u: Double) -> Double { Swift.min(Swift.max(u, 1e-9), 1 - 1e-9) }

  static func clamp(_ u: Double) -> Double { u.isNaN ? 0.5 : Swift.min(Swift.max(u, 0), 1) }
}
