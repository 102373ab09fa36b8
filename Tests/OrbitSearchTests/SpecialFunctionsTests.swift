import Testing

@testable import OrbitSearch

/// Reference values from scipy 1.17 (`stats.norm`, `special.betainc`, `special.betaincinv`) and
/// mpmath at 50 digits for log h(z) far in the tail.
struct SpecialFunctionsTests {
  @Test func normal() {
    #expect(abs(SpecialFunctions.normalCDF(-1) - 0.15865525393145707) < 1e-15)
    #expect(abs(SpecialFunctions.normalPDF(0) - 0.3989422804014327) < 1e-15)
    #expect(abs(SpecialFunctions.normalPPF(0.975) - 1.959963984540054) < 1e-12)
    #expect(abs(SpecialFunctions.normalPPF(1e-10) - -6.361340902404056) < 1e-9)
    for p in stride(from: 0.001, to: 1, by: 0.0137) {
      #expect(abs(SpecialFunctions.normalCDF(SpecialFunctions.normalPPF(p)) - p) < 1e-13)
    }
  }

  @Test func expectedImprovementClosedForm() {
    // At the incumbent with σ = 1: EI = φ(0).
    #expect(
      abs(SpecialFunctions.expectedImprovement(mean: 0, sd: 1, best: 0) - 0.3989422804014327)
        < 1e-15)
    // μ = 1, σ = 2, best 0: z = −0.5, EI = −Φ(−0.5) + 2φ(−0.5).
    #expect(
      abs(SpecialFunctions.expectedImprovement(mean: 1, sd: 2, best: 0) - 0.39559311480261206)
        < 1e-14)
    // No uncertainty: the plain improvement.
    #expect(SpecialFunctions.expectedImprovement(mean: -2, sd: 0, best: 0) == 2)
  }

  @Test func logExpectedImprovementInTheTail() {
    // log h(z) = log(φ(z) + zΦ(z)): mpmath at z = −3, −5 (scipy) and −30, where EI underflows.
    #expect(abs(SpecialFunctions.logH(-3) - -7.869686059603029) < 1e-9)
    #expect(abs(SpecialFunctions.logH(-5) - -16.744301162660925) < 1e-8)
    #expect(abs(SpecialFunctions.logH(-30) - -457.724653760598) < 1e-6)
    // Agrees with log(EI) where EI is accurate, and is monotone in the mean.
    let direct = SpecialFunctions.expectedImprovement(mean: 1.5, sd: 0.7, best: 0)
    let logged = SpecialFunctions.logExpectedImprovement(mean: 1.5, sd: 0.7, best: 0)
    #expect(abs(logged - _log(direct)) < 1e-10)
    var previous = Double.infinity
    for mean in stride(from: 0.0, through: 60, by: 0.5) {
      let value = SpecialFunctions.logExpectedImprovement(mean: mean, sd: 1, best: 0)
      #expect(value.isFinite && value < previous)
      previous = value
    }
  }

  @Test func incompleteBeta() {
    #expect(abs(SpecialFunctions.incompleteBeta(0.3, a: 2, b: 5) - 0.5798250000000003) < 1e-13)
    #expect(abs(SpecialFunctions.incompleteBeta(0.1, a: 0.5, b: 0.5) - 0.20483276469913345) < 1e-12)
    #expect(
      abs(SpecialFunctions.inverseIncompleteBeta(0.5, a: 2, b: 5) - 0.26444998329566005) < 1e-12)
  }
}
