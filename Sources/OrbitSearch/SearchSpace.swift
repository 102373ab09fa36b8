/// A searchable parameter: a name and its prior.
public struct SearchDimension: Sendable, Hashable {
  public var name: String
  public var prior: Prior

  public init(name: String, prior: Prior) {
    self.name = name
    self.prior = prior
  }
}

/// A configuration: one value per dimension, in the space's order (a categorical's is the
/// index of its value).
public typealias Point = [Double]

/// The parameters a search moves, and the map between values and the unit cube: each
/// dimension through its prior's CDF (wandb's rule), so that a uniform draw in the cube is a
/// draw from the priors and a log-uniform rate is searched in log space.
public struct SearchSpace: Sendable, Hashable {
  public var dimensions: [SearchDimension]

  public init(_ dimensions: [SearchDimension]) {
    precondition(!dimensions.isEmpty, "a search needs at least one searchable parameter")
    self.dimensions = dimensions
  }

  public var count: Int { dimensions.count }

  /// Unit coordinates of a configuration.
  public func unit(_ point: Point) -> [Double] {
    zip(dimensions, point).map { $0.prior.cdf($1) }
  }

  /// The configuration at unit coordinates.
  public func point(_ unit: [Double]) -> Point {
    zip(dimensions, unit).map { $0.prior.ppf($1) }
  }

  /// The number of configurations when every dimension is finite (and the product fits),
  /// else nil: such a space can be exhausted, and a search must not repeat itself in it.
  public var finiteSize: Int? {
    var size = 1
    for dimension in dimensions {
      guard let count = dimension.prior.finiteCount else { return nil }
      let (product, overflow) = size.multipliedReportingOverflow(by: count)
      guard !overflow else { return nil }
      size = product
    }
    return size
  }

  /// The `index`-th configuration of a finite space, the last dimension varying fastest.
  public func finitePoint(_ index: Int) -> Point {
    var rest = index
    var point = Point(repeating: 0, count: count)
    for (d, dimension) in dimensions.enumerated().reversed() {
      let size = dimension.prior.finiteCount!
      point[d] = dimension.prior.finiteValue(rest % size)
      rest /= size
    }
    return point
  }

  /// A key that is equal for equal configurations (values compared after a round trip through
  /// the prior's quantisation, so 0.30000000000000004 and 0.3 are one q = 0.1 value).
  public func key(_ point: Point) -> [Double] {
    zip(dimensions, point).map { dimension, value in
      switch dimension.prior {
      case .categorical, .intUniform: return value.rounded()
      case .qUniform(_, _, let q), .qLogUniform(_, _, let q), .qLogUniformValues(_, _, let q),
        .qNormal(_, _, let q), .qLogNormal(_, _, let q), .qBeta(_, _, let q):
        return (value / q).rounded(.toNearestOrEven)
      default: return value
      }
    }
  }
}
