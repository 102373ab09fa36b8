import Testing

@testable import OrbitSearch

/// Every W&B distribution maps to [0, 1] by its CDF and back by its PPF.
struct PriorTests {
  static let priors: [Prior] = [
    .categorical(count: 4),
    .categorical(count: 3, probabilities: [0.2, 0.5, 0.3]),
    .intUniform(min: -3, max: 12),
    .uniform(min: -1, max: 4),
    .qUniform(min: 0, max: 10, q: 0.5),
    .logUniform(min: -9, max: -1),
    .logUniformValues(min: 1e-4, max: 0.1),
    .qLogUniform(min: 0, max: 5, q: 2),
    .qLogUniformValues(min: 16, max: 1024, q: 16),
    .invLogUniform(min: 0, max: 4),
    .invLogUniformValues(min: 0.01, max: 1),
    .normal(mu: 1, sigma: 2),
    .qNormal(mu: 0, sigma: 3, q: 0.25),
    .logNormal(mu: -1, sigma: 0.5),
    .qLogNormal(mu: 2, sigma: 1, q: 1),
    .beta(a: 2, b: 5),
    .qBeta(a: 0.5, b: 0.5, q: 0.1),
  ]

  @Test(arguments: priors) func ppfInvertsCDF(_ prior: Prior) {
    for i in 0..<200 {
      let u = (Double(i) + 0.5) / 200
      let value = prior.ppf(u)
      #expect(value.isFinite, "\(prior) at \(u)")
      // A value maps to a unit coordinate that maps back to the same value.
      let back = prior.ppf(prior.cdf(value))
      #expect(abs(back - value) <= 1e-9 * max(1, abs(value)), "\(prior): \(value) → \(back)")
      // Continuous priors: the CDF inverts the PPF exactly.
      switch prior {
      case .uniform, .logUniform, .logUniformValues, .invLogUniform, .invLogUniformValues,
        .normal, .logNormal, .beta:
        #expect(abs(prior.cdf(value) - u) < 1e-9, "\(prior) at \(u)")
      default: break
      }
    }
  }

  @Test func logUniformBoundsAreExponentsAndValues() {
    // W&B: log_uniform's bounds are exponents (e^min … e^max); log_uniform_values' are values.
    #expect(abs(Prior.logUniform(min: -2, max: 3).ppf(0) - _exp(-2)) < 1e-15)
    #expect(abs(Prior.logUniform(min: -2, max: 3).ppf(1) - _exp(3)) < 1e-12)
    #expect(
      abs(Prior.logUniformValues(min: 1e-4, max: 0.1).ppf(0.5) - 0.1 / 1_000.0.squareRoot()) < 1e-15
    )
    #expect(abs(Prior.invLogUniformValues(min: 0.01, max: 1).ppf(1) - 1) < 1e-12)
    #expect(abs(Prior.invLogUniformValues(min: 0.01, max: 1).ppf(0) - 0.01) < 1e-12)
  }

  @Test func discretePriorsEnumerate() {
    #expect(Prior.intUniform(min: -3, max: 12).finiteCount == 16)
    #expect(Prior.qUniform(min: 0, max: 10, q: 0.5).finiteCount == 21)
    #expect(Prior.qLogUniformValues(min: 16, max: 1024, q: 16).finiteCount == 64)
    #expect(Prior.normal(mu: 0, sigma: 1).finiteCount == nil)
    let space = SearchSpace([
      SearchDimension(name: "a", prior: .categorical(count: 3)),
      SearchDimension(name: "b", prior: .intUniform(min: 1, max: 4)),
    ])
    #expect(space.finiteSize == 12)
    let all = Set((0..<12).map { space.key(space.finitePoint($0)) })
    #expect(all.count == 12)
  }
}
