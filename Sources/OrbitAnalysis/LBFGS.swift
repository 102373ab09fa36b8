/// A smooth function to minimise: its value and gradient at a point.
public protocol DifferentiableObjective {
  /// The number of parameters.
  var dimension: Int { get }
  /// Returns f(x) and writes ∇f(x) into `gradient` (already sized to `dimension`).
  func value(at x: [Double], gradient: inout [Double]) -> Double
}

/// A closure as a `DifferentiableObjective`, for tests and one-off problems.
public struct ClosureObjective: DifferentiableObjective {
  public let dimension: Int
  let body: ([Double], inout [Double]) -> Double

  public init(dimension: Int, _ body: @escaping ([Double], inout [Double]) -> Double) {
    self.dimension = dimension
    self.body = body
  }

  public func value(at x: [Double], gradient: inout [Double]) -> Double { body(x, &gradient) }
}

/// How L-BFGS decides it has converged.
public enum StoppingTests: Sendable, Equatable {
  /// Tests scaled by |f| itself: right for objectives whose optimum is far below 1 (a Huber
  /// sum near 1e-3). Stops when the decrease is below `functionTolerance·|f|` or the largest
  /// gradient entry below `gradientTolerance·|f|`.
  case relative
  /// scipy L-BFGS-B's defaults (factr 1e7, pgtol 1e-5): the decrease is divided by
  /// max(|f|, 1), so a tiny objective stops at once. Kept to show that failure in tests.
  case scipyDefaults
}

/// Settings of one L-BFGS run.
public struct LBFGSOptions: Sendable {
  /// Pairs (s, y) kept for the inverse-Hessian approximation.
  public var memory: Int = 10
  /// Hard cap on iterations; hitting it reports `converged == false`.
  public var maxIterations: Int = 1000
  /// Which family of stopping tests to use.
  public var tests: StoppingTests = .relative
  /// Relative decrease below which the run stops (`.relative` tests).
  public var functionTolerance: Double = 1e-13
  /// Largest gradient entry, relative to |f|, below which the run stops (`.relative` tests).
  public var gradientTolerance: Double = 1e-9

  public init() {}
}

/// Why an L-BFGS run stopped.
public enum StopReason: String, Sendable, Codable {
  case functionDecrease, smallGradient, lineSearchStalled, maxIterations, nonFinite
}

/// The outcome of one L-BFGS run.
public struct MinimizationResult: Sendable {
  /// The best point found.
  public var x: [Double]
  /// f at `x`.
  public var value: Double
  /// Iterations taken.
  public var iterations: Int
  /// Function-and-gradient evaluations taken.
  public var evaluations: Int
  /// Why it stopped.
  public var reason: StopReason
  /// True when a stopping test (not a cap or a failure) ended the run.
  public var converged: Bool {
    reason == .functionDecrease || reason == .smallGradient || reason == .lineSearchStalled
  }
}

/// Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4 and 7.5) with a strong-Wolfe line
/// search (Algorithm 3.5/3.6, cubic interpolation). Unconstrained: the laws here are fitted in
/// log-parameters, so no bounds are needed.
public enum LBFGS {
  /// Minimises `objective` from `start`.
  /// - Parameters:
  ///   - objective: the function and its gradient.
  ///   - start: the initial point.
  ///   - options: memory, caps and stopping tests.
  public static func minimize<F: DifferentiableObjective>(
    _ objective: F, from start: [Double], options: LBFGSOptions = LBFGSOptions()
  ) -> MinimizationResult {
    let n = start.count
    var x = start
    var g = [Double](repeating: 0, count: n)
    var f = objective.value(at: x, gradient: &g)
    var evaluations = 1
    guard f.isFinite, g.allSatisfy(\.isFinite) else {
      return MinimizationResult(x: x, value: f, iterations: 0, evaluations: 1, reason: .nonFinite)
    }
    let m = max(1, options.memory)
    var sHistory = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
    var yHistory = sHistory
    var rho = [Double](repeating: 0, count: m)
    var alphaScratch = [Double](repeating: 0, count: m)
    var stored = 0
    var newest = -1
    var direction = [Double](repeating: 0, count: n)
    var search = LineSearch(objective: objective, dimension: n)

    for iteration in 0..<options.maxIterations {
      if gradientConverged(g, f: f, options: options) {
        return MinimizationResult(
          x: x, value: f, iterations: iteration, evaluations: evaluations, reason: .smallGradient)
      }
      // Two-loop recursion: direction = −H·g.
      for i in 0..<n { direction[i] = -g[i] }
      var k = newest
      for _ in 0..<stored {
        alphaScratch[k] = rho[k] * dot(sHistory[k], direction)
        axpy(-alphaScratch[k], yHistory[k], &direction)
        k = (k - 1 + m) % m
      }
      if stored > 0 {
        let gamma =
          dot(sHistory[newest], yHistory[newest]) / dot(yHistory[newest], yHistory[newest])
        for i in 0..<n { direction[i] *= gamma }
      }
      k = (newest - stored + 1 + m) % m
      for _ in 0..<stored {
        let beta = rho[k] * dot(yHistory[k], direction)
        axpy(alphaScratch[k] - beta, sHistory[k], &direction)
        k = (k + 1) % m
      }
      var slope = dot(g, direction)
      if !(slope < 0) {
        // Not a descent direction (curvature pairs went bad): restart from steepest descent.
        stored = 0
        for i in 0..<n { direction[i] = -g[i] }
        slope = dot(g, direction)
      }
      let initialStep = stored == 0 ? min(1, 1 / maxAbs(g)) : 1
      let previousF = f
      let previousX = x
      let previousG = g
      let step = search.run(
        x: &x, f: &f, gradient: &g, direction: direction, slope: slope, initialStep: initialStep)
      evaluations += search.evaluations
      if !step.accepted && stored > 0 && f.isFinite {
        // The quasi-Newton direction found no decrease: drop the curvature pairs and try the
        // steepest-descent direction before concluding anything.
        stored = 0
        continue
      }
      guard step.accepted else {
        // No decrease along steepest descent either: the objective is at its rounding floor.
        return MinimizationResult(
          x: x, value: f, iterations: iteration + 1, evaluations: evaluations,
          reason: f.isFinite ? .lineSearchStalled : .nonFinite)
      }
      newest = (newest + 1) % m
      var sy = 0.0
      for i in 0..<n {
        sHistory[newest][i] = x[i] - previousX[i]
        yHistory[newest][i] = g[i] - previousG[i]
        sy += sHistory[newest][i] * yHistory[newest][i]
      }
      if sy > 1e-300 {
        rho[newest] = 1 / sy
        stored = min(stored + 1, m)
      } else {
        newest = (newest - 1 + m) % m
      }
      // Only a step that met the Wolfe conditions may end the run on a small decrease: a
      // weaker step out of a capped zoom says nothing about being near the optimum.
      if step.wolfe && functionConverged(previous: previousF, current: f, options: options) {
        return MinimizationResult(
          x: x, value: f, iterations: iteration + 1, evaluations: evaluations,
          reason: .functionDecrease)
      }
    }
    return MinimizationResult(
      x: x, value: f, iterations: options.maxIterations, evaluations: evaluations,
      reason: .maxIterations)
  }

  static func functionConverged(previous: Double, current: Double, options: LBFGSOptions) -> Bool {
    let decrease = previous - current
    switch options.tests {
    case .relative:
      return decrease <= options.functionTolerance * max(abs(previous), abs(current))
    case .scipyDefaults:
      // factr = 1e7 times machine epsilon, divided by max(|f_k|, |f_k+1|, 1).
      return decrease / max(abs(previous), abs(current), 1) <= 1e7 * Double.ulpOfOne
    }
  }

  static func gradientConverged(_ g: [Double], f: Double, options: LBFGSOptions) -> Bool {
    switch options.tests {
    case .relative: return maxAbs(g) <= options.gradientTolerance * abs(f)
    case .scipyDefaults: return maxAbs(g) <= 1e-5
    }
  }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
  var sum = 0.0
  for i in 0..<a.count { sum += a[i] * b[i] }
  return sum
}

@inline(__always) func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
  for i in 0..<x.count { y[i] += alpha * x[i] }
}

@inline(__always) func maxAbs(_ a: [Double]) -> Double {
  var m = 0.0
  for v in a { m = max(m, abs(v)) }
  return m
}
