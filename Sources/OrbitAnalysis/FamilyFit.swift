import Foundation

/// A fitted law with its bootstrap: the full-sample fit, each resample's parameters, and the
/// percentile interval of every parameter.
public struct FitWithIntervals: Sendable {
  /// The full-sample fit.
  public var fit: LawFit
  /// One interval per parameter (`fit.law.parameterNames` order); empty without a bootstrap.
  public var intervals: [Interval]
  /// Natural parameters of each bootstrap resample.
  public var samples: [[Double]]
  /// How resamples were drawn (nil without a bootstrap).
  public var scheme: ResamplingScheme?
  /// The factor t_ν / z the resamples' deviations were widened by (1: none).
  public var expansion: Double = 1
  /// Distinct resamples among those drawn: the intervals rest on this many different data sets.
  public var distinctResamples: Int = 0
  /// Resamples whose refit did not move from its start although their data changed.
  public var unmovedRefits: Int = 0
  /// Why the scheme is not the seed-cluster bootstrap, or that it had few distinct resamples.
  public var schemeWarning: String?

  /// "powerlaw: 13 of 1000 refits did not move …", when any did.
  public var unmovedNote: String? {
    guard unmovedRefits > 0 else { return nil }
    return "\(fit.law.rawValue): \(unmovedRefits) of \(samples.count) refits did not move from"
      + " their start although their data changed"
  }

  /// "powerlaw: the interval of A was stretched to its estimate …", when any was.
  public var stretchedNote: String? {
    let names = fit.law.parameterNames.indices.filter {
      $0 < intervals.count && intervals[$0].stretched
    }.map { fit.law.parameterNames[$0] }
    guard !names.isEmpty else { return nil }
    return "\(fit.law.rawValue): the bootstrap interval of \(names.joined(separator: ", ")) did"
      + " not contain the estimate and was stretched to it: the resamples' refits land elsewhere"
      + " than the full-sample fit, so read \(names.count == 1 ? "that interval" : "those intervals")"
      + " with care"
  }

  /// The parameters whose interval is one-sided, e.g. ["E"] for a floor at its bound 0.
  public var parametersAtBound: [String] {
    fit.law.parameterNames.indices.filter { $0 < intervals.count && intervals[$0].bound != nil }
      .map { fit.law.parameterNames[$0] }
  }

  /// The interval of the parameter called `name`, if bootstrapped.
  public func interval(_ name: String) -> Interval? {
    guard let i = fit.law.parameterNames.firstIndex(of: name), i < intervals.count else {
      return nil
    }
    return intervals[i]
  }

  /// Fits `law` to (x, [secondX,] y) and bootstraps it.
  static func make(
    law: ScalingLaw, x: [Double], secondX: [Double] = [], y: [Double], resampling: Resampling?,
    settings: AnalysisSettings
  ) throws(AnalysisError) -> FitWithIntervals {
    var fitter = LawFitter(law: law)
    fitter.huberDelta = settings.huberDelta
    fitter.threads = settings.threads
    let objective = try fitter.makeObjective(x: x, secondX: secondX, y: y)
    let fit = try fitter.guardedFit(objective)
    guard settings.bootstrap > 0 else {
      return FitWithIntervals(fit: fit, intervals: [], samples: [])
    }
    var bootstrap = Bootstrap()
    bootstrap.resamples = settings.bootstrap
    bootstrap.level = settings.level
    bootstrap.seed = settings.randomSeed
    bootstrap.threads = settings.threads
    let resampling =
      resampling ?? Resampling(scheme: .points, groups: Array(objective.logY.indices))
    bootstrap.oneFewer = resampling.scheme != .points && !settings.textbookBootstrap
    bootstrap.expand = !settings.textbookBootstrap
    let result = bootstrap.run(
      fitter: fitter, objective: objective, fit: fit, resampling: resampling)
    // The scheme's note is the same for every law fitted to these points (said once per
    // family); the unmoved refits are this law's own (`unmovedNote`).
    let warning = resampling.warning(distinct: result.distinct, drawn: settings.bootstrap)
    return FitWithIntervals(
      fit: fit, intervals: result.intervals, samples: result.samples, scheme: result.scheme,
      expansion: result.expansion, distinctResamples: result.distinct,
      unmovedRefits: result.unmoved, schemeWarning: warning)
  }
}

/// One family (group) on one scale axis: a power law with a floor and without one, the floor
/// check, local slopes between neighbouring x and the spread of the exponent across seeds.
public struct FamilyFit: Sendable {
  /// The group's label, e.g. "mlp / augment".
  public var group: String
  /// The scale axis column.
  public var axis: String
  /// The family's value of each group column and held parameter, e.g. ["model.width": "128"].
  public var groupValues: [String: String] = [:]
  /// The points: scale, loss, and seed (cluster) label.
  public var x: [Double]
  public var y: [Double]
  public var seeds: [String]
  /// How the bootstrap resamples the points (chosen by the data, see `Resampling.choose`).
  public var resampling: Resampling
  /// L = E + A·x^(−α).
  public var withFloor: FitWithIntervals
  /// L = A·x^(−α).
  public var pure: FitWithIntervals
  /// Whether E's interval lies clearly above 0 (see `AnalysisSettings.floorFraction`).
  public var floorIsSignificant: Bool
  /// Where the floor E equals the power term, x_f = (A/E)^(1/α): beyond it the floor dominates.
  public var floorOnset: Double
  /// −Δlog L / Δlog x between neighbouring distinct x, on the median loss at each x.
  public var localSlopes: [LocalSlope]
  /// Relative standard deviation of the pure-law exponent fitted per seed (nil: < 2 seeds).
  public var seedSpread: Double?
  /// Median over x of the largest over the smallest loss among seeds at that x (nil: < 2
  /// seeds): 1 means seeds agree; 10 means one seed's curve sits 10× above another's.
  public var seedLossRatio: Double?
  /// The tuned envelope's choices (`analysis.tune`): then the points are its winners, one per
  /// scale and seed, and resampling them resamples each seed's choice.
  public var tuned: TunedEnvelope? = nil
  /// Scales where early stopping removed trials (empty: none did).
  public var stopped: [StoppedScale] = []

  /// A slope between two neighbouring scales.
  public struct LocalSlope: Sendable {
    public var from: Double
    public var to: Double
    public var slope: Double
  }

  /// Fits one family.
  /// - Throws: `AnalysisError.notEnoughData` when the family has too few points.
  public static func fit(
    group: String, axis: String, x: [Double], y: [Double], seeds: [String],
    settings: AnalysisSettings
  ) throws(AnalysisError) -> FamilyFit {
    let seedIDs = Array(Set(seeds)).sorted()
    let resampling = Resampling.choose(
      x: x, seeds: seeds, minimumSeedClusters: settings.minimumSeedClusters)
    let withFloor = try FitWithIntervals.make(
      law: .powerLaw, x: x, y: y, resampling: resampling, settings: settings)
    let pure = try FitWithIntervals.make(
      law: .powerLawNoFloor, x: x, y: y, resampling: resampling, settings: settings)
    let e = withFloor.fit.parameter("E")
    let lowestLoss = y.min() ?? 0
    let eLower = withFloor.interval("E")?.lower ?? e
    let significant = eLower >= settings.floorFraction * lowestLoss
    let onset = pow(withFloor.fit.parameter("A") / e, 1 / withFloor.fit.parameter("alpha"))
    return FamilyFit(
      group: group, axis: axis, x: x, y: y, seeds: seeds, resampling: resampling,
      withFloor: withFloor, pure: pure,
      floorIsSignificant: significant, floorOnset: onset, localSlopes: localSlopes(x: x, y: y),
      seedSpread: seedSpread(x: x, y: y, seeds: seeds, seedIDs: seedIDs, settings: settings),
      seedLossRatio: seedLossRatio(x: x, y: y, seedCount: seedIDs.count))
  }

  /// Median loss at each distinct x, ascending in x.
  public static func medians(x: [Double], y: [Double]) -> [(x: Double, loss: Double)] {
    var byX: [Double: [Double]] = [:]
    for i in x.indices { byX[x[i], default: []].append(y[i]) }
    return byX.keys.sorted().map { key in
      let sorted = byX[key]!.sorted()
      return (key, quantile(sorted, 0.5))
    }
  }

  /// Scales beyond this many distinct values are not a sweep grid: neighbours are too close
  /// for a slope between them to mean anything.
  static let maxGridValues = 24

  static func localSlopes(x: [Double], y: [Double]) -> [LocalSlope] {
    let m = medians(x: x, y: y)
    guard m.count >= 2, m.count <= maxGridValues else { return [] }
    return (1..<m.count).map { i in
      LocalSlope(
        from: m[i - 1].x, to: m[i].x,
        slope: -(log(m[i].loss) - log(m[i - 1].loss)) / (log(m[i].x) - log(m[i - 1].x)))
    }
  }

  static func seedLossRatio(x: [Double], y: [Double], seedCount: Int) -> Double? {
    guard seedCount >= 2 else { return nil }
    var byX: [Double: [Double]] = [:]
    for i in x.indices { byX[x[i], default: []].append(y[i]) }
    let ratios = byX.values.filter { $0.count >= 2 }.map { $0.max()! / $0.min()! }.sorted()
    return ratios.isEmpty ? nil : quantile(ratios, 0.5)
  }

  static func seedSpread(
    x: [Double], y: [Double], seeds: [String], seedIDs: [String], settings: AnalysisSettings
  ) -> Double? {
    guard seedIDs.count >= 2 else { return nil }
    var fitter = LawFitter(law: .powerLawNoFloor)
    fitter.huberDelta = settings.huberDelta
    fitter.threads = 1
    var exponents: [Double] = []
    for seed in seedIDs {
      let rows = seeds.indices.filter { seeds[$0] == seed }
      guard Set(rows.map { x[$0] }).count >= 3,
        let fit = try? fitter.fit(x: rows.map { x[$0] }, y: rows.map { y[$0] })
      else { continue }
      exponents.append(fit.parameter("alpha"))
    }
    guard exponents.count >= 2 else { return nil }
    let mean = exponents.reduce(0, +) / Double(exponents.count)
    let variance =
      exponents.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(exponents.count - 1)
    return variance.squareRoot() / abs(mean)
  }

  /// The floor trap in words: a significant floor means more width or steps, never a changed
  /// exponent. "Reached" only when the onset lies inside the measured range.
  func floorSentence(subject: String, purpose: String) -> String {
    let e = equation("E", withFloor.fit.parameter("E"), withFloor.interval("E"))
    let onset = format(floorOnset)
    if floorOnset <= (x.max() ?? 0) {
      return "\(subject) reached a floor (\(e)) at \(axis) ≈ \(onset): more width or steps are"
        + " needed before \(purpose)."
    }
    return "\(subject) has a significant floor (\(e)) that would dominate beyond \(axis) ≈ "
      + "\(onset), outside the measured range: more width or steps are needed before \(purpose)."
  }
}
