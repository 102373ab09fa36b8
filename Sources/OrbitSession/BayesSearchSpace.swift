import OrbitSearch
import OrbitSpec

/// A bayes spec's parameters as an `OrbitSearch` space, and the map between the engines'
/// points and a trial's parameter values both ways (suggestions out; finished and warm-start
/// trials back in).
public struct BayesSearchSpace: Sendable {
  public let space: SearchSpace
  /// Per dimension: the spec's parameter (values of a categorical or zip group, numbers).
  let parameters: [SearchParameter]
  /// Every trial's unsearched parameters (constants, core settings).
  public let constants: [String: ParamValue]

  /// - Throws: 65 when the spec has nothing to search (only constants).
  public init(spec: Spec) throws(SessionError) {
    parameters = spec.searchParameters
    constants = spec.constantParameters
    guard !parameters.isEmpty else {
      throw SessionError(
        "\(spec.fileName): method: bayes needs at least one parameter to search; every parameter is a constant",
        exitCode: ExitStatus.badData)
    }
    space = SearchSpace(
      parameters.map { SearchDimension(name: $0.name, prior: Self.prior(of: $0)) })
  }

  static func prior(of parameter: SearchParameter) -> Prior {
    switch parameter.kind {
    case .categorical(let values, let probabilities):
      return .categorical(count: values.count, probabilities: probabilities)
    case .zipped(_, let rows): return .categorical(count: rows.count)
    case .intUniform(let min, let max): return .intUniform(min: min, max: max)
    case .numeric(let distribution, let min, let max, let q, _, let mu, let sigma, let a, let b):
      switch distribution {
      case "q_uniform": return .qUniform(min: min, max: max, q: q)
      case "log_uniform": return .logUniform(min: min, max: max)
      case "log_uniform_values": return .logUniformValues(min: min, max: max)
      case "q_log_uniform": return .qLogUniform(min: min, max: max, q: q)
      case "q_log_uniform_values": return .qLogUniformValues(min: min, max: max, q: q)
      case "inv_log_uniform": return .invLogUniform(min: min, max: max)
      case "inv_log_uniform_values": return .invLogUniformValues(min: min, max: max)
      case "normal": return .normal(mu: mu, sigma: sigma)
      case "q_normal": return .qNormal(mu: mu, sigma: sigma, q: q)
      case "log_normal": return .logNormal(mu: mu, sigma: sigma)
      case "q_log_normal": return .qLogNormal(mu: mu, sigma: sigma, q: q)
      case "beta": return .beta(a: a, b: b)
      case "q_beta": return .qBeta(a: a, b: b, q: q)
      default: return .uniform(min: min, max: max)
      }
    }
  }

  /// A trial's searched parameter values for an engine's point (constants not included).
  public func values(for point: Point) -> [String: ParamValue] {
    var result: [String: ParamValue] = [:]
    for (parameter, x) in zip(parameters, point) {
      switch parameter.kind {
      case .categorical(let values, _): result[parameter.name] = values[Self.index(x, values.count)]
      case .zipped(let names, let rows):
        let row = rows[Self.index(x, rows.count)]
        for (name, value) in zip(names, row) { result[name] = value }
      case .intUniform: result[parameter.name] = .int(Int64(x.rounded()))
      case .numeric(let distribution, _, _, _, let qIsInteger, _, _, _, _):
        // wandb returns integers from a q_ distribution whose q is an integer.
        let integral = distribution.hasPrefix("q_") && qIsInteger && abs(x) < 9.0e18
        result[parameter.name] = integral ? .int(Int64(x.rounded())) : .double(x)
      }
    }
    return result
  }

  /// The engine's point for a trial's parameters (a finished trial of this sweep, or of a
  /// warm-start run), or nil when a searched parameter is missing, is not a number, or is a
  /// value the categorical does not list.
  public func point(for params: [String: ParamValue]) -> Point? {
    var point: Point = []
    for parameter in parameters {
      switch parameter.kind {
      case .categorical(let values, _):
        guard let value = params[parameter.name],
          let index = values.firstIndex(where: { $0.canonicalJSON == value.canonicalJSON })
        else { return nil }
        point.append(Double(index))
      case .zipped(let names, let rows):
        let keys = names.map { params[$0]?.canonicalJSON }
        guard let index = rows.firstIndex(where: { $0.map(\.canonicalJSON) == keys }) else {
          return nil
        }
        point.append(Double(index))
      case .intUniform, .numeric:
        switch params[parameter.name] {
        case .int(let i)?: point.append(Double(i))
        case .double(let d)? where d.isFinite: point.append(d)
        default: return nil
        }
      }
    }
    return point
  }

  static func index(_ x: Double, _ count: Int) -> Int { min(max(Int(x.rounded()), 0), count - 1) }
}
