/// Fits a Gaussian process's kernel hyper-parameters by maximising the log marginal likelihood
/// (plus log priors): a 1-D global search for wandb's isotropic kernel, projected L-BFGS in log
/// space for ARD kernels.
public enum HyperparameterFit {
  /// wandb's fit: one length scale in sklearn's default bounds [1e-5, 1e5], amplitude 1 and
  /// noise 1e-7 fixed. sklearn runs L-BFGS-B from ℓ = 1 and 2 random restarts; a scan of the
  /// log-bounds then a golden-section search finds the same maximum without sklearn's seed.
  ///
  /// - Returns: the length scale and whether it sits at a bound, as sklearn's `np.isclose`
  ///   test on log ℓ reads it (wandb then suggests a random point).
  /// Nats of log-likelihood within which a bound's plateau is taken for the maximum: above
  /// the largest bump sklearn was seen to overshoot (0.089), far below a real maximum's margin
  /// (the golden second history's is over 20 nats).
  static let plateauTolerance = 0.1

  public static func isotropic(
    inputs: [Double], y: [Double], dimension: Int, categorical: [Bool], kernel: Matern,
    noise: Double, bounds: ClosedRange<Double> = 1e-5...1e5
  ) -> (lengthScale: Double, atBound: Bool) {
    let settings = GaussianProcess.FitSettings(
      isotropic: true, fitAmplitude: false, fitNoise: false, lengthScaleBounds: bounds,
      amplitudeBounds: 1...1, noiseBounds: noise...noise)
    func value(_ logScale: Double) -> Double {
      let parameters = KernelParameters(
        lengthScales: Array(repeating: _exp(logScale), count: dimension), amplitude: 1, noise: noise
      )
      return GaussianProcess.logLikelihood(
        inputs: inputs, y: y, dimension: dimension, categorical: categorical, kernel: kernel,
        parameters: parameters, settings: settings, withGradient: false)?.value ?? -.infinity
    }
    let low = _log(bounds.lowerBound)
    let high = _log(bounds.upperBound)
    // 47 steps of 0.49 in log ℓ (a factor 1.6): fine enough that the likelihood, smooth in
    // log ℓ, has at most one maximum between two neighbours.
    let steps = 47
    var bestIndex = 0
    var bestValue = -Double.infinity
    var values: [Double] = []
    for i in 0...steps {
      let v = value(low + (high - low) * Double(i) / Double(steps))
      values.append(v)
      if v > bestValue {
        bestValue = v
        bestIndex = i
      }
    }
    var a = low + (high - low) * Double(max(bestIndex - 1, 0)) / Double(steps)
    var b = low + (high - low) * Double(min(bestIndex + 1, steps)) / Double(steps)
    let ratio = (5.0.squareRoot() - 1) / 2
    var c = b - ratio * (b - a)
    var d = a + ratio * (b - a)
    var fc = value(c)
    var fd = value(d)
    for _ in 0..<40 {
      if fc > fd {
        b = d
        d = c
        fd = fc
        c = b - ratio * (b - a)
        fc = value(c)
      } else {
        a = c
        c = d
        fc = fd
        d = a + ratio * (b - a)
        fd = value(d)
      }
    }
    var best = (a + b) / 2
    var bestRefined = value(best)
    // The bounds themselves compete: golden section never evaluates an endpoint.
    for edge in [low, high] where value(edge) >= bestRefined {
      best = edge
      bestRefined = value(edge)
    }
    // numpy.isclose(bounds, theta): |θ − b| ≤ 1e-8 + 1e-5·|b|. sklearn's L-BFGS-B, started at
    // ℓ = 1 on a steep slope, overshoots a small bump above the ℓ → 0 plateau and stops at the
    // bound (golden/wandb_engine.py's first history: bumps 0.089 and 0.009 nats high, both
    // fits ended at 1e-5); a bound within ``plateauTolerance`` of the maximum is where it ends.
    if let plateau = [low, high].first(where: { value($0) >= bestRefined - plateauTolerance }) {
      best = plateau
    }
    let atBound = [low, high].contains { abs(best - $0) <= 1e-8 + 1e-5 * abs($0) }
    return (_exp(best), atBound)
  }

  /// A MAP fit of an ARD kernel (length scales, amplitude, noise as `settings` frees them) by
  /// projected L-BFGS in log space, from each of `starts`; the best end point wins.
  public static func map(
    inputs: [Double], y: [Double], dimension: Int, categorical: [Bool], kernel: Matern,
    settings: GaussianProcess.FitSettings, starts: [KernelParameters], iterations: Int = 60
  ) -> KernelParameters {
    func unpack(_ theta: [Double], like template: KernelParameters) -> KernelParameters {
      var p = template
      let scaleCount = settings.isotropic ? 1 : dimension
      for i in 0..<dimension { p.lengthScales[i] = _exp(theta[settings.isotropic ? 0 : i]) }
      var index = scaleCount
      if settings.fitAmplitude {
        p.amplitude = _exp(theta[index])
        index += 1
      }
      if settings.fitNoise { p.noise = _exp(theta[index]) }
      return p
    }
    func pack(_ p: KernelParameters) -> [Double] {
      var theta = settings.isotropic ? [_log(p.lengthScales[0])] : p.lengthScales.map(_log)
      if settings.fitAmplitude { theta.append(_log(p.amplitude)) }
      if settings.fitNoise { theta.append(_log(p.noise)) }
      return theta
    }
    var lower = Array(
      repeating: _log(settings.lengthScaleBounds.lowerBound),
      count: settings.isotropic ? 1 : dimension)
    var upper = Array(
      repeating: _log(settings.lengthScaleBounds.upperBound),
      count: settings.isotropic ? 1 : dimension)
    if settings.fitAmplitude {
      lower.append(_log(settings.amplitudeBounds.lowerBound))
      upper.append(_log(settings.amplitudeBounds.upperBound))
    }
    if settings.fitNoise {
      lower.append(_log(settings.noiseBounds.lowerBound))
      upper.append(_log(settings.noiseBounds.upperBound))
    }
    var bestParameters = starts[0]
    var bestValue = -Double.infinity
    for start in starts {
      let template = start
      let objective = { (theta: [Double]) -> (Double, [Double])? in
        GaussianProcess.logLikelihood(
          inputs: inputs, y: y, dimension: dimension, categorical: categorical, kernel: kernel,
          parameters: unpack(theta, like: template), settings: settings
        ).map { ($0.value, $0.gradient) }
      }
      let theta = zip(zip(pack(start), lower), upper).map { min(max($0.0, $0.1), $1) }
      guard
        let (end, value) = ProjectedLBFGS.maximise(
          objective, from: theta, lower: lower, upper: upper, iterations: iterations)
      else { continue }
      if value > bestValue {
        bestValue = value
        bestParameters = unpack(end, like: template)
      }
    }
    return bestParameters
  }
}

/// Maximises a smooth function on a box: L-BFGS directions (memory 6), projected onto the box,
/// with a backtracking (Armijo) line search. Small and dependency-free; hyper-parameter fits
/// have at most a few dozen variables.
enum ProjectedLBFGS {
  static func maximise(
    _ f: ([Double]) -> (Double, [Double])?, from start: [Double], lower: [Double],
    upper: [Double], iterations: Int
  ) -> ([Double], Double)? {
    let m = 6
    guard var (value, gradient) = f(start) else { return nil }
    var x = start
    var sHistory: [[Double]] = []
    var yHistory: [[Double]] = []
    func project(_ v: [Double]) -> [Double] {
      (0..<v.count).map { min(max(v[$0], lower[$0]), upper[$0]) }
    }
    for _ in 0..<iterations {
      // Ascent direction from the two-loop recursion on −f.
      var q = gradient.map { -$0 }
      var alphas: [Double] = []
      for (s, y) in zip(sHistory, yHistory).reversed() {
        let rho = 1 / dot(y, s)
        let a = rho * dot(s, q)
        alphas.append(a)
        q = zip(q, y).map { $0 - a * $1 }
      }
      if let s = sHistory.last, let y = yHistory.last {
        let gamma = dot(s, y) / dot(y, y)
        q = q.map { $0 * gamma }
      } else {
        let norm = dot(gradient, gradient).squareRoot()
        q = q.map { $0 / max(norm, 1) }
      }
      for ((s, y), a) in zip(zip(sHistory, yHistory), alphas.reversed()) {
        let rho = 1 / dot(y, s)
        let b = rho * dot(y, q)
        q = zip(q, s).map { $0 + (a - b) * $1 }
      }
      var direction = q.map { -$0 }
      if dot(direction, gradient) <= 0 { direction = gradient }
      var step = 1.0
      var accepted: ([Double], Double, [Double])? = nil
      for _ in 0..<20 {
        let candidate = project(zip(x, direction).map { $0 + step * $1 })
        let moved = zip(candidate, x).map { $0 - $1 }
        if let (v, g) = f(candidate), v >= value + 1e-4 * dot(gradient, moved) {
          accepted = (candidate, v, g)
          break
        }
        step *= 0.5
      }
      guard let (next, nextValue, nextGradient) = accepted else { break }
      let s = zip(next, x).map { $0 - $1 }
      let y = zip(gradient, nextGradient).map { $0 - $1 }  // −(∇f₊ − ∇f) for the minimisation view
      let improvement = nextValue - value
      x = next
      value = nextValue
      gradient = nextGradient
      if dot(s, y) > 1e-10 {
        sHistory.append(s)
        yHistory.append(y)
        if sHistory.count > m {
          sHistory.removeFirst()
          yHistory.removeFirst()
        }
      }
      if improvement < 1e-6 * max(1, abs(value)) { break }
    }
    return (x, value)
  }

  @inline(__always) static func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in 0..<a.count { sum += a[i] * b[i] }
    return sum
  }
}
