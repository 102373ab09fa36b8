/// The Matérn kernels a search uses: ν = 3/2 (wandb's) and ν = 5/2 (Orbit's default, twice
/// differentiable, the usual choice for hyper-parameter surfaces).
public enum Matern: Sendable, Hashable {
  case threeHalves
  case fiveHalves

  /// k(r) for unit amplitude at scaled distance r.
  @inline(__always) func value(_ r: Double) -> Double {
    switch self {
    case .threeHalves:
      let s = 3.0.squareRoot() * r
      return (1 + s) * _exp(-s)
    case .fiveHalves:
      let s = 5.0.squareRoot() * r
      return (1 + s + s * s / 3) * _exp(-s)
    }
  }

  /// −dk/dr ÷ r: the factor that multiplies (Δᵢ/ℓᵢ)² in dk/d(log ℓᵢ), finite at r = 0.
  @inline(__always) func slope(_ r: Double) -> Double {
    switch self {
    case .threeHalves: return 3 * _exp(-3.0.squareRoot() * r)
    case .fiveHalves:
      let s = 5.0.squareRoot() * r
      return 5.0 / 3.0 * (1 + s) * _exp(-s)
    }
  }
}

/// A kernel's hyper-parameters: one length scale per input (ARD) or one for all (isotropic),
/// the signal variance and the noise variance, the last two in standardised metric units.
public struct KernelParameters: Sendable, Hashable {
  public var lengthScales: [Double]
  public var amplitude: Double
  public var noise: Double

  public init(lengthScales: [Double], amplitude: Double, noise: Double) {
    self.lengthScales = lengthScales
    self.amplitude = amplitude
    self.noise = noise
  }
}

/// A Gaussian process fitted to points in the unit cube with fixed kernel parameters:
/// posterior mean and variance by one Cholesky factor of K + σₙ²I.
///
/// Categorical inputs (their values are category indices) enter the distance as 1 when two
/// categories differ and 0 when they are equal, each with its own length scale: a Hamming
/// kernel, so categories are unordered (wandb orders them by index).
public struct GaussianProcess: Sendable {
  public let dimension: Int
  public let kernel: Matern
  public let parameters: KernelParameters
  public let categorical: [Bool]
  /// Inputs, row-major n × dimension.
  let inputs: [Double]
  public let count: Int
  let cholesky: Cholesky
  /// (K + σₙ²I)⁻¹y.
  let alpha: [Double]

  /// Fits the process to `inputs` (n points of `dimension` coordinates, row-major) and
  /// targets `y`, or nil when the kernel matrix cannot be factored even with jitter.
  public init?(
    inputs: [Double], y: [Double], dimension: Int, categorical: [Bool], kernel: Matern,
    parameters: KernelParameters
  ) {
    let n = y.count
    precondition(inputs.count == n * dimension && categorical.count == dimension)
    self.dimension = dimension
    self.kernel = kernel
    self.parameters = parameters
    self.categorical = categorical
    self.inputs = inputs
    self.count = n
    var k = Self.covariance(
      inputs: inputs, n: n, dimension: dimension, categorical: categorical, kernel: kernel,
      parameters: parameters)
    for i in 0..<n { k[i * n + i] += parameters.noise }
    guard let (factor, _) = Cholesky.withJitter(matrix: k, n: n) else { return nil }
    cholesky = factor
    alpha = factor.solve(y)
  }

  /// Squared scaled distance between two points.
  @inline(__always) static func distance2(
    _ a: UnsafeBufferPointer<Double>, _ aOffset: Int, _ b: UnsafeBufferPointer<Double>,
    _ bOffset: Int, dimension: Int, categorical: [Bool], inverseScales: [Double]
  ) -> Double {
    var sum = 0.0
    for i in 0..<dimension {
      let delta: Double
      if categorical[i] {
        delta = a[aOffset + i] == b[bOffset + i] ? 0 : inverseScales[i]
      } else {
        delta = (a[aOffset + i] - b[bOffset + i]) * inverseScales[i]
      }
      sum += delta * delta
    }
    return sum
  }

  /// The kernel matrix without noise (row-major n × n).
  static func covariance(
    inputs: [Double], n: Int, dimension: Int, categorical: [Bool], kernel: Matern,
    parameters: KernelParameters
  ) -> [Double] {
    let inverse = parameters.lengthScales.map { 1 / $0 }
    var k = [Double](repeating: 0, count: n * n)
    inputs.withUnsafeBufferPointer { x in
      for a in 0..<n {
        k[a * n + a] = parameters.amplitude
        for b in 0..<a {
          let r = distance2(
            x, a * dimension, x, b * dimension, dimension: dimension, categorical: categorical,
            inverseScales: inverse
          ).squareRoot()
          let value = parameters.amplitude * kernel.value(r)
          k[a * n + b] = value
          k[b * n + a] = value
        }
      }
    }
    return k
  }

  /// Posterior mean and variance of the latent function at `point` (noise excluded).
  public func predict(_ point: [Double]) -> (mean: Double, variance: Double) {
    let inverse = parameters.lengthScales.map { 1 / $0 }
    var kStar = [Double](repeating: 0, count: count)
    inputs.withUnsafeBufferPointer { x in
      point.withUnsafeBufferPointer { p in
        for a in 0..<count {
          let r = Self.distance2(
            x, a * dimension, p, 0, dimension: dimension, categorical: categorical,
            inverseScales: inverse
          ).squareRoot()
          kStar[a] = parameters.amplitude * kernel.value(r)
        }
      }
    }
    var mean = 0.0
    for a in 0..<count { mean += kStar[a] * alpha[a] }
    let v = cholesky.solveLower(kStar)
    var explained = 0.0
    for a in 0..<count { explained += v[a] * v[a] }
    return (mean, max(parameters.amplitude - explained, 1e-12))
  }

  /// Which hyper-parameters a fit moves, in log space, and their bounds.
  public struct FitSettings: Sendable {
    /// One length scale for every input (wandb) or one per input (ARD).
    public var isotropic: Bool
    public var fitAmplitude: Bool
    public var fitNoise: Bool
    public var lengthScaleBounds: ClosedRange<Double>
    public var amplitudeBounds: ClosedRange<Double>
    public var noiseBounds: ClosedRange<Double>
    /// Gaussian priors on the logs (mean, sd) for a MAP fit; nil: maximum likelihood.
    public var lengthScalePrior: (mean: Double, sd: Double)?
    public var amplitudePrior: (mean: Double, sd: Double)?
    public var noisePrior: (mean: Double, sd: Double)?
  }

  /// Log marginal likelihood of `y` (plus the log priors of `settings`) at `parameters`, and
  /// its gradient in the free log hyper-parameters (length scales, then amplitude, then noise).
  ///
  /// ∂/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ); for a Matérn kernel ∂k/∂log ℓᵢ = σ_f²·s(r)·(Δᵢ/ℓᵢ)² with
  /// s(r) = −k′(r)/r, so no division by r = 0.
  static func logLikelihood(
    inputs: [Double], y: [Double], dimension: Int, categorical: [Bool], kernel: Matern,
    parameters: KernelParameters, settings: FitSettings, withGradient: Bool = true
  ) -> (value: Double, gradient: [Double])? {
    let n = y.count
    var k = covariance(
      inputs: inputs, n: n, dimension: dimension, categorical: categorical, kernel: kernel,
      parameters: parameters)
    for i in 0..<n { k[i * n + i] += parameters.noise }
    guard let cholesky = Cholesky(matrix: k, n: n) else { return nil }
    let alpha = cholesky.solve(y)
    var value = -0.5 * cholesky.logDeterminant - 0.5 * Double(n) * _log(2 * Double.pi)
    for i in 0..<n { value -= 0.5 * y[i] * alpha[i] }
    // A 1-D scan needs no gradient, and the inverse below is two thirds of the cost.
    guard withGradient else { return (value, []) }
    let kInverse = cholesky.inverse()
    let scaleCount = settings.isotropic ? 1 : dimension
    var gradient = [Double](repeating: 0, count: scaleCount)
    var amplitudeGradient = 0.0
    var noiseGradient = 0.0
    let inverse = parameters.lengthScales.map { 1 / $0 }
    var s = [Double](repeating: 0, count: dimension)
    inputs.withUnsafeBufferPointer { x in
      for a in 0..<n {
        let wDiagonal = alpha[a] * alpha[a] - kInverse[a * n + a]
        amplitudeGradient += 0.5 * wDiagonal * parameters.amplitude
        noiseGradient += 0.5 * wDiagonal * parameters.noise
        for b in 0..<a {
          let w = alpha[a] * alpha[b] - kInverse[a * n + b]
          var r2 = 0.0
          for i in 0..<dimension {
            let delta: Double
            if categorical[i] {
              delta = x[a * dimension + i] == x[b * dimension + i] ? 0 : inverse[i]
            } else {
              delta = (x[a * dimension + i] - x[b * dimension + i]) * inverse[i]
            }
            s[i] = delta * delta
            r2 += s[i]
          }
          let r = r2.squareRoot()
          // Off-diagonal pairs count twice (a,b and b,a): ½·2 = 1.
          amplitudeGradient += w * parameters.amplitude * kernel.value(r)
          let common = w * parameters.amplitude * kernel.slope(r)
          if settings.isotropic {
            gradient[0] += common * r2
          } else {
            for i in 0..<dimension { gradient[i] += common * s[i] }
          }
        }
      }
    }
    if let prior = settings.lengthScalePrior {
      for i in 0..<scaleCount {
        let z = (_log(parameters.lengthScales[i]) - prior.mean) / prior.sd
        value -= 0.5 * z * z
        gradient[i] -= z / prior.sd
      }
    }
    if settings.fitAmplitude {
      if let prior = settings.amplitudePrior {
        let z = (_log(parameters.amplitude) - prior.mean) / prior.sd
        value -= 0.5 * z * z
        amplitudeGradient -= z / prior.sd
      }
      gradient.append(amplitudeGradient)
    }
    if settings.fitNoise {
      if let prior = settings.noisePrior {
        let z = (_log(parameters.noise) - prior.mean) / prior.sd
        value -= 0.5 * z * z
        noiseGradient -= z / prior.sd
      }
      gradient.append(noiseGradient)
    }
    return (value, gradient)
  }
}
