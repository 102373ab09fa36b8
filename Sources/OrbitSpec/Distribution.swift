import Foundation

/// The distributions of wandb's sweep configuration, with their wandb names.
enum Distribution: String, Sendable, CaseIterable {
  case constant
  case categorical
  case categoricalWithProbabilities = "categorical_w_probabilities"
  case intUniform = "int_uniform"
  case uniform
  case qUniform = "q_uniform"
  case logUniform = "log_uniform"
  case logUniformValues = "log_uniform_values"
  case qLogUniform = "q_log_uniform"
  case qLogUniformValues = "q_log_uniform_values"
  case invLogUniform = "inv_log_uniform"
  case invLogUniformValues = "inv_log_uniform_values"
  case normal
  case qNormal = "q_normal"
  case logNormal = "log_normal"
  case qLogNormal = "q_log_normal"
  case beta
  case qBeta = "q_beta"

  /// The keys a parameter of this distribution may carry besides `distribution`.
  var allowedKeys: [String] {
    switch self {
    case .constant: return ["value"]
    case .categorical, .categoricalWithProbabilities: return ["values", "probabilities"]
    case .intUniform, .uniform, .logUniform, .logUniformValues, .invLogUniform,
      .invLogUniformValues:
      return ["min", "max"]
    case .qUniform, .qLogUniform, .qLogUniformValues: return ["min", "max", "q"]
    case .normal, .logNormal: return ["mu", "sigma"]
    case .qNormal, .qLogNormal: return ["mu", "sigma", "q"]
    case .beta: return ["a", "b"]
    case .qBeta: return ["a", "b", "q"]
    }
  }

  /// Whether `min`/`max` are required.
  var needsBounds: Bool { allowedKeys.contains("min") }

  /// Whether `min` must be > 0 because it is a value whose logarithm is taken.
  var boundsAreLogValues: Bool {
    self == .logUniformValues || self == .qLogUniformValues || self == .invLogUniformValues
  }
}

/// One leaf parameter as the spec defines it, validated.
struct ParameterDefinition: Sendable {
  var name: String
  var distribution: Distribution
  /// `values` for categorical; `[value]` for constant.
  var values: [ParamValue] = []
  /// Cumulative probabilities for a categorical with `probabilities`, last = 1.
  var cumulativeProbabilities: [Double]? = nil
  var min: Double = 0
  var max: Double = 0
  /// Whether both bounds were written as integers (int_uniform, integer q_uniform grids).
  var boundsAreIntegers = false
  /// Exact integer bounds of an `int_uniform` (a `Double` loses digits above 2^53).
  var integerMin: Int64 = 0
  var integerMax: Int64 = 0
  var q: Double = 1
  /// wandb returns integers from a q_ distribution when `q` is an integer (the default 1 is).
  var qIsInteger = true
  var mu: Double = 0
  var sigma: Double = 1
  /// Beta distribution shapes.
  var alpha: Double = 1
  var beta: Double = 1
  var location: SourceLocation

  /// Draws one value from the distribution, as wandb's `HyperParameter.ppf` would map a
  /// uniform draw (same distribution; the stream of draws is Orbit's own).
  func sample(_ random: inout RandomSource) -> ParamValue {
    switch distribution {
    case .constant: return values[0]
    case .categorical, .categoricalWithProbabilities:
      guard let cumulative = cumulativeProbabilities else {
        return values[random.nextIndex(values.count)]
      }
      let u = random.nextUnit()
      let index = cumulative.firstIndex { u < $0 } ?? (values.count - 1)
      return values[index]
    case .intUniform:
      // The parser keeps max - min below Int64.max, so the span fits.
      let span = UInt64(integerMax - integerMin) + 1
      return .int(integerMin + Int64(random.nextBelow(span)))
    case .uniform: return .double(min + (max - min) * random.nextUnit())
    case .qUniform: return quantize(min + (max - min) * random.nextUnit())
    case .logUniform: return .double(exp(min + (max - min) * random.nextUnit()))
    case .logUniformValues: return .double(exp(logUniformExponent(&random)))
    case .qLogUniform: return quantize(exp(min + (max - min) * random.nextUnit()))
    case .qLogUniformValues: return quantize(exp(logUniformExponent(&random)))
    case .invLogUniform:
      // wandb: X = exp(-U) with U uniform on [min, max], so 1/X is log-uniform.
      return .double(exp(-(min + (max - min) * random.nextUnit())))
    case .invLogUniformValues:
      // 1/X log-uniform on [1/max, 1/min], so X lies in [min, max].
      let low = log(1 / max)
      let high = log(1 / min)
      return .double(1 / exp(low + (high - low) * random.nextUnit()))
    case .normal: return .double(mu + sigma * random.nextGaussian())
    case .qNormal: return quantize(mu + sigma * random.nextGaussian())
    case .logNormal: return .double(exp(mu + sigma * random.nextGaussian()))
    case .qLogNormal: return quantize(exp(mu + sigma * random.nextGaussian()))
    case .beta: return .double(random.nextBeta(alpha, beta))
    case .qBeta: return quantize(random.nextBeta(alpha, beta))
    }
  }

  private func logUniformExponent(_ random: inout RandomSource) -> Double {
    let low = log(min)
    let high = log(max)
    return low + (high - low) * random.nextUnit()
  }

  /// wandb's quantisation: `round(x / q) * q`, an integer when `q` is (numpy rounds half to
  /// even, as `.toNearestOrEven` does).
  func quantize(_ x: Double) -> ParamValue {
    let value = (x / q).rounded(.toNearestOrEven) * q
    if qIsInteger, abs(value) < 9.0e18 { return .int(Int64(value)) }
    return .double(value)
  }
}
