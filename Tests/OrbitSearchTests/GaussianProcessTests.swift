import Testing

@testable import OrbitSearch

struct GaussianProcessTests {
  static func f(_ x: Double) -> Double { _cos(6 * x) + x }

  @Test func interpolatesWithANugget() throws {
    let xs = stride(from: 0.0, through: 1, by: 0.125).map { $0 }
    let ys = xs.map(Self.f)
    let gp = try #require(
      GaussianProcess(
        inputs: xs, y: ys, dimension: 1, categorical: [false], kernel: .fiveHalves,
        parameters: KernelParameters(lengthScales: [0.3], amplitude: 1, noise: 1e-10)))
    for (x, y) in zip(xs, ys) {
      let (mean, variance) = gp.predict([x])
      #expect(abs(mean - y) < 1e-5)
      #expect(variance < 1e-6)
    }
    // Between the points: close, and uncertain.
    let (mean, variance) = gp.predict([0.5625])
    #expect(abs(mean - Self.f(0.5625)) < 0.05)
    #expect(variance > 1e-6)
  }

  @Test func likelihoodGradientMatchesFiniteDifferences() throws {
    var random = SearchRandom(seed: 3)
    let n = 12
    let d = 3
    let flags = [false, true, false]
    var inputs: [Double] = []
    var y: [Double] = []
    for _ in 0..<n {
      let p = [random.nextUnit(), Double(random.nextBelow(3)), random.nextUnit()]
      inputs += p
      y.append(_cos(4 * p[0]) + 0.3 * p[1] - p[2])
    }
    let settings = GaussianProcess.FitSettings(
      isotropic: false, fitAmplitude: true, fitNoise: true, lengthScaleBounds: 0.01...100,
      amplitudeBounds: 0.01...100, noiseBounds: 1e-6...1, lengthScalePrior: (1, 1.5),
      amplitudePrior: (0, 1), noisePrior: (-4, 1))
    let theta = [_log(0.4), _log(0.7), _log(0.9), _log(1.3), _log(0.01)]
    func at(_ t: [Double]) -> (Double, [Double]) {
      let p = KernelParameters(
        lengthScales: [_exp(t[0]), _exp(t[1]), _exp(t[2])], amplitude: _exp(t[3]),
        noise: _exp(t[4]))
      let r = GaussianProcess.logLikelihood(
        inputs: inputs, y: y, dimension: d, categorical: flags, kernel: .fiveHalves,
        parameters: p, settings: settings)!
      return (r.value, r.gradient)
    }
    let (_, gradient) = at(theta)
    for i in 0..<theta.count {
      var up = theta
      var down = theta
      up[i] += 1e-5
      down[i] -= 1e-5
      let numeric = (at(up).0 - at(down).0) / 2e-5
      #expect(abs(numeric - gradient[i]) < 1e-5 * max(1, abs(numeric)), "θ[\(i)]")
    }
  }

  @Test func mapFitFindsTheRelevantInput() {
    // y depends on x₀ only: its length scale should come out far shorter than x₁'s.
    var random = SearchRandom(seed: 9)
    var inputs: [Double] = []
    var y: [Double] = []
    for _ in 0..<30 {
      let a = random.nextUnit()
      let b = random.nextUnit()
      inputs += [a, b]
      y.append(_cos(5 * a))
    }
    let standard = Standardisation(y)
    let settings = GaussianProcess.FitSettings(
      isotropic: false, fitAmplitude: true, fitNoise: true, lengthScaleBounds: 0.005...100,
      amplitudeBounds: 0.05...20, noiseBounds: 1e-6...1, lengthScalePrior: (1.76, 1.73),
      amplitudePrior: (0, 1), noisePrior: (-4, 1))
    let fitted = HyperparameterFit.map(
      inputs: inputs, y: standard.apply(y), dimension: 2, categorical: [false, false],
      kernel: .fiveHalves, settings: settings,
      starts: [KernelParameters(lengthScales: [0.7, 0.7], amplitude: 1, noise: 1e-3)])
    #expect(fitted.lengthScales[0] < 1)
    #expect(fitted.lengthScales[1] > 3 * fitted.lengthScales[0])
    #expect(fitted.noise < 1e-2)
  }

  @Test func wandbIsotropicFitFlagsABound() {
    // Two equal targets: the likelihood grows without limit as ℓ does, so the fit sits at the
    // upper bound and wandb would fall back to a random point.
    let fit = HyperparameterFit.isotropic(
      inputs: [0.2, 0.8], y: [0, 0], dimension: 1, categorical: [false], kernel: .threeHalves,
      noise: 1e-7)
    #expect(fit.atBound)
    var random = SearchRandom(seed: 1)
    var xs: [Double] = []
    for _ in 0..<12 { xs.append(random.nextUnit()) }
    let ys = Standardisation(xs.map { _cos(6 * $0) }).apply(xs.map { _cos(6 * $0) })
    let smooth = HyperparameterFit.isotropic(
      inputs: xs, y: ys, dimension: 1, categorical: [false], kernel: .threeHalves, noise: 1e-7)
    #expect(!smooth.atBound)
    #expect(smooth.lengthScale > 0.05 && smooth.lengthScale < 5)
  }
}
