import Foundation

/// Fits a `ScalingLaw` by L-BFGS from a grid of starts, keeping the best: many starts are not
/// optional, because most of them die where a power term vanishes or E collapses to ~0.
public struct LawFitter: Sendable {
  /// The law to fit.
  public var law: ScalingLaw
  /// Huber's δ on log-loss residuals (Hoffmann et al.: 1e-3).
  public var huberDelta: Double = 1e-3
  /// L-BFGS settings; the default relative stopping tests are what make the fit right.
  public var options = LBFGSOptions()
  /// Starting points in the optimiser's layout; nil means `law.defaultStarts`.
  public var starts: [[Double]]?
  /// OS threads for the grid starts (results do not depend on it).
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
  /// Minimise the mean rather than the sum of Huber terms (to show why that is wrong).
  public var useMean = false

  public init(law: ScalingLaw) { self.law = law }

  /// Fits the law to points (x, y), or (N, D, y) for Chinchilla.
  /// - Parameters:
  ///   - x: the scale axis (N for Chinchilla), all > 0.
  ///   - secondX: D for Chinchilla; ignored otherwise.
  ///   - y: the losses, all > 0.
  /// - Throws: `AnalysisError.notEnoughData` when fewer points than parameters + 1 are usable.
  public func fit(x: [Double], secondX: [Double] = [], y: [Double]) throws(AnalysisError) -> LawFit
  {
    let objective = try makeObjective(x: x, secondX: secondX, y: y)
    return fit(objective)
  }

  /// The Huber objective for these points (validated, logs taken).
  public func makeObjective(x: [Double], secondX: [Double] = [], y: [Double]) throws(AnalysisError)
    -> HuberLogObjective
  {
    let twoAxes = law.hasTwoAxes
    guard x.count == y.count, !twoAxes || secondX.count == y.count else {
      throw AnalysisError(.invalidSetting, "x, D and loss columns differ in length")
    }
    for i in 0..<y.count where !(x[i] > 0 && y[i] > 0 && (!twoAxes || secondX[i] > 0)) {
      throw AnalysisError(
        .notEnoughData,
        "point \(i + 1) has a non-positive or missing scale or loss (x \(x[i]), loss \(y[i]));"
          + " drop it or fix the column")
    }
    let needed = law.parameterNames.count + 1
    guard y.count >= needed else {
      throw AnalysisError(
        .notEnoughData,
        "\(law.rawValue) needs at least \(needed) points, got \(y.count); run more grid points")
    }
    var objective = HuberLogObjective(
      logX: x.map { log($0) }, logSecondX: twoAxes ? secondX.map { log($0) } : [],
      logY: y.map { log($0) }, delta: huberDelta, hasFloor: law.hasFloor)
    objective.useMean = useMean
    return objective
  }

  /// Objectives within this relative distance of the lowest one are ties: rounding, not the
  /// data, tells them apart, so which start "won" must not decide the reported fit.
  static let tieTolerance = 1e-9

  /// Runs every start on `objective` and keeps the lowest objective; ties go to `tieBreak`.
  public func fit(_ objective: HuberLogObjective) -> LawFit {
    let starts = self.starts ?? law.defaultStarts
    let options = self.options
    let runs = parallelMap(count: starts.count, threads: threads) { i in
      LBFGS.minimize(objective, from: starts[i], options: options)
    }
    let best = Self.tieBreak(runs)
    let bestValue = runs[best].value
    let atOptimum = runs.count { abs($0.value - bestValue) <= 1e-6 * abs(bestValue) }
    return makeFit(runs[best], starts: starts.count, atOptimum: atOptimum, points: objective)
  }

  /// The run to report: among the finite runs within `tieTolerance` (relative) of the lowest
  /// objective, the median of them ordered by their parameter vector (lexicographically, then
  /// by objective). In a flat valley (Huber's linear arms with an even number of seeds per x
  /// make it exactly flat) many parameter vectors share the optimum; taking the first start or
  /// the one lower by 1e-15 made the fit depend on start order and optimiser details. The median
  /// depends only on where the starts ended, and sits inside the valley rather than at an edge.
  static func tieBreak(_ runs: [MinimizationResult]) -> Int {
    let finite = runs.indices.filter { runs[$0].value.isFinite }
    guard let lowest = finite.map({ runs[$0].value }).min() else { return 0 }
    let tied = finite.filter {
      runs[$0].value - lowest <= tieTolerance * max(abs(lowest), .leastNormalMagnitude)
    }
    let ordered = tied.sorted { i, j in
      for (a, b) in zip(runs[i].x, runs[j].x) where a != b { return a < b }
      return (runs[i].value, i) < (runs[j].value, j)
    }
    return ordered[(ordered.count - 1) / 2]
  }

  /// One L-BFGS run from `start` (a bootstrap refit starts at the full-sample optimum).
  public func refit(_ objective: HuberLogObjective, from start: [Double]) -> LawFit {
    makeFit(
      LBFGS.minimize(objective, from: start, options: options), starts: 1, atOptimum: 1,
      points: objective)
  }

  private func makeFit(
    _ run: MinimizationResult, starts: Int, atOptimum: Int, points: HuberLogObjective
  ) -> LawFit {
    LawFit(
      law: law, parameters: law.naturalParameters(run.x), logParameters: run.x,
      objective: run.value, converged: run.converged, iterations: run.iterations, starts: starts,
      startsAtOptimum: atOptimum, points: Int(points.weights.reduce(0, +).rounded()))
  }
}
