import Foundation

/// A Chinchilla fit L(N, D) = E + A/N^α + B/D^β with intervals, and what follows from it: the
/// compute-optimal split N_opt ∝ C^a, D_opt ∝ C^b (a = β/(α+β), b = α/(α+β)) and the
/// allocation at a given budget (C ≈ 6·N·D).
public struct ChinchillaFit: Sendable {
  /// The fit and its bootstrap.
  public var result: FitWithIntervals
  /// Exponents of the compute-optimal split, with intervals when bootstrapped.
  public var a: Double
  public var b: Double
  public var aInterval: Interval?
  public var bInterval: Interval?
  /// The lowest and highest compute C = 6·N·D the fit saw: allocations outside are extrapolated.
  public var measuredCompute: ClosedRange<Double> = 0...0

  /// Whether a budget lies outside the measured compute (1 % margin, as for multipliers).
  public func isExtrapolated(compute: Double) -> Bool {
    compute < measuredCompute.lowerBound / 1.01 || compute > measuredCompute.upperBound * 1.01
  }

  /// Fits and bootstraps Chinchilla's law.
  /// - Parameters:
  ///   - n: parameters per run; d: training tokens (samples) per run; y: final loss.
  ///   - seeds: seed of each run, to choose the resampling (nil: single runs, n of n).
  ///   - settings: δ, bootstrap count, level, seed, threads.
  /// - Throws: `AnalysisError.notEnoughData` for fewer than 6 usable runs.
  public static func make(
    n: [Double], d: [Double], y: [Double], seeds: [String]? = nil, settings: AnalysisSettings
  ) throws(AnalysisError) -> ChinchillaFit {
    let resampling = seeds.map { seeds in
      Resampling.choose(
        x: n.indices.map { "\(n[$0]) \(d[$0])" }, seeds: seeds,
        minimumSeedClusters: settings.minimumSeedClusters)
    }
    let result = try FitWithIntervals.make(
      law: .chinchilla, x: n, secondX: d, y: y, resampling: resampling, settings: settings)
    let q = result.fit.parameters
    let aSamples = result.samples.map { $0[3] / ($0[1] + $0[3]) }
    let compute = n.indices.map { 6 * n[$0] * d[$0] }
    return ChinchillaFit(
      result: result, a: q[3] / (q[1] + q[3]), b: q[1] / (q[1] + q[3]),
      aInterval: Interval.around(q[3] / (q[1] + q[3]), samples: aSamples, level: settings.level),
      bInterval: Interval.around(
        q[1] / (q[1] + q[3]), samples: aSamples.map { 1 - $0 }, level: settings.level),
      measuredCompute: compute.min()!...compute.max()!)
  }

  /// Fits and bootstraps Chinchilla's law with seed labels given as cluster ids (the seed-cluster
  /// bootstrap with ≥ 5 of them, otherwise the scheme `Resampling.choose` picks).
  public static func make(
    n: [Double], d: [Double], y: [Double], clusters: [Int]?, settings: AnalysisSettings
  ) throws(AnalysisError) -> ChinchillaFit {
    try make(n: n, d: d, y: y, seeds: clusters?.map { "\($0)" }, settings: settings)
  }

  /// The loss-minimising N and D for a budget of `compute` FLOPs (C = 6·N·D), and D/N.
  public func optimalAllocation(compute: Double) -> (
    n: Double, d: Double, tokensPerParameter: Double
  ) {
    let optimum = Self.allocation(result.fit.parameters, compute: compute)
    return (optimum.n, optimum.d, optimum.d / optimum.n)
  }
}

extension ChinchillaFit {
  /// The terminal table: parameters with intervals, objective, the compute-optimal split (both
  /// approaches when `isoFLOP` is given).
  public func summary(level: Double, isoFLOP: IsoFLOPAnalysis? = nil) -> String {
    SummaryTable.chinchillaText(
      self, optimal: ComputeOptimal.make(chinchilla: self, isoFLOP: isoFLOP, level: level),
      level: level)
  }

  /// The fit as JSON (parameters with intervals, objective, a and b) and, under
  /// `compute_optimal`, both approaches and their cross-check.
  public func json(level: Double, isoFLOP: IsoFLOPAnalysis? = nil) -> String {
    var object = FitsJSON.chinchilla(self)
    object["compute_optimal"] = FitsJSON.computeOptimal(
      ComputeOptimal.make(chinchilla: self, isoFLOP: isoFLOP, level: level))
    return FitsJSON.text(object)
  }
}

extension Analysis {
  /// The terminal table: every fit with intervals, the comparisons and the verdict.
  /// - Parameter pureOnly: show only the no-floor power laws (`orbit fit --no-floor`).
  public func summary(pureOnly: Bool = false) -> String {
    SummaryTable.text(self, pureOnly: pureOnly)
  }

  /// fits.json for this analysis, with the sweep's metadata when given.
  public func fitsJSON(metadata: SweepMetadata? = nil) -> String {
    FitsJSON.text(FitsJSON.object(self, metadata: metadata))
  }
}
