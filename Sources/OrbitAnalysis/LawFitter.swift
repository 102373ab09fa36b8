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
  /// Starting points in the optimiser's layout (normalised units); nil means
  /// `law.defaultStarts`. The sub-laws' optima are always added.
  public var starts: [[Double]]?
  /// OS threads for the grid starts (results do not depend on it).
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
  /// Minimise the mean rather than the sum of Huber terms (to show why that is wrong).
  public var useMean = false
  /// Fit in normalised units (`Normalisation`); false fits raw logs, kept to show in tests how a
  /// fixed grid of starts fails on data in other units.
  var normalises = true
  /// Start every law also from the optima of the laws it contains (`SubModel`); false is the old
  /// search, kept to show in tests the fit it produced and that `guardedFit` refuses it.
  var startsFromSubModels = true

  public init(law: ScalingLaw) { self.law = law }

  /// Fits the law to points (x, y), or (N, D, y) for Chinchilla.
  /// - Parameters:
  ///   - x: the scale axis (N for Chinchilla), all > 0.
  ///   - secondX: D for Chinchilla; ignored otherwise.
  ///   - y: the losses, all > 0.
  /// - Throws: `AnalysisError.notEnoughData` when fewer points than parameters + 1 are usable;
  ///   `AnalysisError.fitFailed` when the fit is worse than a law it contains (`guardedFit`).
  public func fit(x: [Double], secondX: [Double] = [], y: [Double]) throws(AnalysisError) -> LawFit
  {
    let objective = try makeObjective(x: x, secondX: secondX, y: y)
    return try guardedFit(objective)
  }

  /// The Huber objective for these points (validated, logs taken, centred on their means:
  /// `Normalisation`).
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
    let logX = x.map { log($0) }
    let logSecondX = twoAxes ? secondX.map { log($0) } : []
    let logY = y.map { log($0) }
    let centre =
      normalises
      ? Normalisation(logX: logX, logSecondX: logSecondX, logY: logY) : .identity
    var objective = HuberLogObjective(
      logX: logX.map { Self.snapped($0 - centre.logX) },
      logSecondX: logSecondX.map { Self.snapped($0 - centre.logSecondX) },
      logY: logY.map { Self.snapped($0 - centre.logY) }, delta: huberDelta, hasFloor: law.hasFloor)
    objective.normalisation = centre
    objective.useMean = useMean
    return objective
  }

  /// Centred logs are rounded to a multiple of this (2^−30 ≈ 1e-9, a part in a billion of a
  /// loss, far below any measurement): the same data in other units then give the same
  /// normalised points bit for bit, not up to the 1e-15 by which log(x·s) − log s differs from
  /// log x, and so the very same fit, down to which point of a flat valley (Huber's linear arms)
  /// the tie-break reports and where each bootstrap refit ends.
  static let logQuantum = 0x1p-30

  static func snapped(_ value: Double) -> Double { (value / logQuantum).rounded() * logQuantum }

  /// Objectives within this relative distance of the lowest one are ties: rounding, not the
  /// data, tells them apart, so which start "won" must not decide the reported fit.
  static let tieTolerance = 1e-9

  /// Runs every start on `objective`, and the optima of the laws it contains (`SubModel`), and
  /// keeps the lowest objective; ties go to `tieBreak`. Unchecked: `guardedFit` also refuses a
  /// fit worse than a law it contains.
  public func fit(_ objective: HuberLogObjective) -> LawFit {
    let search = self.search(objective, grid: starts ?? law.defaultStarts)
    var fit = makeFit(
      search.runs[search.best], starts: search.runs.count, atOptimum: search.atOptimum,
      points: objective)
    fit.subModelObjective = search.subModels.map(\.value).min()
    fit.subModelOptima = search.subModels.map(\.start)
    fit.subModelStarts = fit.subModelOptima.map(objective.normalisation.natural)
    return fit
  }

  /// `fit`, refused when it is no fit: a non-finite objective, or one above the objective of a
  /// law it contains (beyond the tie tolerance). The full law starts from each sub-law's
  /// optimum, so this cannot happen unless the optimiser breaks; if it does, the error says so
  /// instead of a fit that reads as a result.
  /// - Throws: `AnalysisError.fitFailed`.
  public func guardedFit(_ objective: HuberLogObjective) throws(AnalysisError) -> LawFit {
    let fit = fit(objective)
    try Self.check(fit)
    return fit
  }

  /// Throws `AnalysisError.fitFailed` when `fit` is non-finite or worse than its sub-laws.
  static func check(_ fit: LawFit) throws(AnalysisError) {
    guard fit.objective.isFinite, fit.parameters.allSatisfy(\.isFinite) else {
      throw AnalysisError(
        .fitFailed,
        "\(fit.law.rawValue): the optimiser ended on a non-finite objective or parameter;"
          + " no fit is reported")
    }
    guard let sub = fit.subModelObjective else { return }
    // The tie-break may report any run within `tieTolerance` of the lowest, which is at most the
    // sub-law's objective: twice that tolerance is rounding, anything more a failed search.
    let slack = 2 * tieTolerance * max(abs(sub), .leastNormalMagnitude)
    guard fit.objective <= sub + slack else {
      throw AnalysisError(
        .fitFailed,
        "\(fit.law.rawValue): the fit ended at objective \(format(fit.objective)), worse than the"
          + " \(format(sub)) of a law it contains (a term fewer, such as no floor): the optimiser"
          + " failed, so no fit is reported")
    }
  }

  /// The outcome of one search: every run, the reported one, and the sub-laws' optima.
  struct Search {
    var runs: [MinimizationResult]
    var best: Int
    /// Runs within 1e-6 (relative) of the reported objective.
    var atOptimum: Int
    /// Each sub-law's optimum embedded in this objective's layout, and this objective there.
    var subModels: [(start: [Double], value: Double)]
  }

  /// Fits each sub-law of `objective` (recursively, from its own grid), then runs `grid` and
  /// the sub-laws' optima on `objective`.
  func search(_ objective: HuberLogObjective, grid: [[Double]]) -> Search {
    let subModels = SubModel.all(of: objective).map { sub -> (start: [Double], value: Double) in
      let subObjective = sub.objective(from: objective)
      let subSearch = search(
        subObjective,
        grid: ScalingLaw.startGrid(
          twoAxes: !subObjective.logSecondX.isEmpty, hasFloor: subObjective.hasFloor))
      let start = sub.embed(subSearch.runs[subSearch.best].x)
      var gradient = [Double](repeating: 0, count: objective.dimension)
      return (start, objective.value(at: start, gradient: &gradient))
    }
    let starts = grid + (startsFromSubModels ? subModels.map(\.start) : [])
    let options = self.options
    let runs = parallelMap(count: starts.count, threads: threads) { i in
      LBFGS.minimize(objective, from: starts[i], options: options)
    }
    let best = Self.tieBreak(runs)
    let bestValue = runs[best].value
    let atOptimum = runs.count { abs($0.value - bestValue) <= 1e-6 * abs(bestValue) }
    return Search(runs: runs, best: best, atOptimum: atOptimum, subModels: subModels)
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

  /// One L-BFGS run from `start`, in the natural layout (a bootstrap refit starts at the
  /// full-sample optimum, `LawFit.logParameters`).
  public func refit(_ objective: HuberLogObjective, from start: [Double]) -> LawFit {
    makeFit(
      LBFGS.minimize(objective, from: objective.normalisation.normalised(start), options: options),
      starts: 1, atOptimum: 1, points: objective)
  }

  /// The run as a fit in the data's units.
  private func makeFit(
    _ run: MinimizationResult, starts: Int, atOptimum: Int, points: HuberLogObjective
  ) -> LawFit {
    let natural = points.normalisation.natural(run.x)
    return LawFit(
      law: law, parameters: law.naturalParameters(natural), logParameters: natural,
      objective: run.value, converged: run.converged, iterations: run.iterations, starts: starts,
      startsAtOptimum: atOptimum, points: Int(points.weights.reduce(0, +).rounded()),
      normalisation: points.normalisation, optimum: run.x)
  }
}
