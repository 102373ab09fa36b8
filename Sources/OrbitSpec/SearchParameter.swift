/// One searchable dimension of a random or bayes spec, as a search engine needs it: the
/// distribution's wandb name and its numbers, or the values of a categorical. Constants are
/// not searched and do not appear.
public struct SearchParameter: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// `values` (and `probabilities`, one per value, when given).
    case categorical(values: [ParamValue], probabilities: [Double]?)
    /// `int_uniform`, both bounds inclusive.
    case intUniform(min: Int64, max: Int64)
    /// Every other distribution, by its wandb name (`uniform`, `q_log_uniform_values`, …) with
    /// the keys it takes; `qIsInteger` says whether quantised values are integers.
    case numeric(
      distribution: String, min: Double, max: Double, q: Double, qIsInteger: Bool, mu: Double,
      sigma: Double, a: Double, b: Double)
    /// A `zip:` group: one choice among rows, each row a value per member name.
    case zipped(names: [String], rows: [[ParamValue]])
  }

  /// The dotted name (for a zip group, its first member's).
  public var name: String
  public var kind: Kind
}

extension Spec {
  /// The dimensions a bayes (or random) search moves, in the spec's canonical order; empty for a
  /// grid.
  public var searchParameters: [SearchParameter] {
    grid.draws.map { draw in
      switch draw {
      case .zipped(let names, let lists, let count):
        let rows = (0..<count).map { row in lists.map { $0[row] } }
        return SearchParameter(name: names[0], kind: .zipped(names: names, rows: rows))
      case .single(let d):
        switch d.distribution {
        case .categorical, .categoricalWithProbabilities:
          let probabilities = d.cumulativeProbabilities.map { cumulative in
            cumulative.indices.map { $0 == 0 ? cumulative[0] : cumulative[$0] - cumulative[$0 - 1] }
          }
          return SearchParameter(
            name: d.name, kind: .categorical(values: d.values, probabilities: probabilities))
        case .intUniform:
          return SearchParameter(
            name: d.name, kind: .intUniform(min: d.integerMin, max: d.integerMax))
        default:
          return SearchParameter(
            name: d.name,
            kind: .numeric(
              distribution: d.distribution.rawValue, min: d.min, max: d.max, q: d.q,
              qIsInteger: d.qIsInteger, mu: d.mu, sigma: d.sigma, a: d.alpha, b: d.beta))
        }
      }
    }
  }

  /// Parameters every trial of a random or bayes search carries unchanged (constants and core
  /// settings), by name.
  public var constantParameters: [String: ParamValue] {
    Dictionary(grid.constants.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
  }
}
