import Foundation

/// SplitMix64: a tiny, well-mixed generator; one per resample keeps results independent of
/// thread count and order.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// How a bootstrap draws one resample of a family's points.
public enum ResamplingScheme: String, Sendable, Codable {
  /// Whole seeds move together (a seed's trials are one nested draw): S − 1 of the S seeds are
  /// drawn with replacement, so the resampled spread is not shrunk by (S − 1)/S.
  case seedClusters = "seed-clusters"
  /// Too few seeds for clusters: at each scale, c − 1 of its c points are drawn with
  /// replacement (1 of 2 with two seeds), so every scale's resampled mean has the variance of
  /// the measured one.
  case pointsWithinScale = "points-within-scale"
  /// Neither seeds nor repeated scales: the full fit's log-residuals, centred and scaled by
  /// √(n/(n − p)), are drawn with replacement and added to the fitted curve.
  case residuals
  /// Single points drawn with replacement, n of n (frontiers and explicit cluster lists).
  case points

  /// The scheme in words, for reports.
  public var description: String {
    switch self {
    case .seedClusters: "seed-cluster bootstrap (S − 1 of S seeds per draw)"
    case .pointsWithinScale: "points resampled within each scale (c − 1 of c per draw)"
    case .residuals: "residual bootstrap (log-residuals of the fit, centred and rescaled)"
    case .points: "point bootstrap (n of n points)"
    }
  }
}

/// A resampling scheme and the groups it draws from.
public struct Resampling: Sendable {
  /// Seed clusters at or above which the seed-cluster bootstrap is used.
  public static let minimumSeedClusters = 5

  public var scheme: ResamplingScheme
  /// Per point: its seed's index (`seedClusters`), its scale's index (`pointsWithinScale`) or
  /// its own index (`points`, `residuals`).
  public var groups: [Int]
  /// Number of distinct seeds in the data (1 without a seed column).
  public var seedClusters: Int

  public init(scheme: ResamplingScheme, groups: [Int], seedClusters: Int = 1) {
    self.scheme = scheme
    self.groups = groups
    self.seedClusters = seedClusters
  }

  /// The scheme the data allow: seed clusters with ≥ `minimumSeedClusters` seeds; with fewer,
  /// points within each scale when every scale has at least two points; otherwise residuals.
  /// - Parameters:
  ///   - x: the scale of each point (the first axis for two-axis laws; pass a key per design
  ///     point to treat (N, D) pairs as scales).
  ///   - seeds: the seed label of each point ("" without a seed column).
  public static func choose<Scale: Hashable & Comparable>(
    x: [Scale], seeds: [String], minimumSeedClusters: Int = Self.minimumSeedClusters
  ) -> Resampling {
    let seedIDs = Array(Set(seeds)).sorted()
    if seedIDs.count >= minimumSeedClusters {
      let index = Dictionary(uniqueKeysWithValues: seedIDs.enumerated().map { ($1, $0) })
      return Resampling(
        scheme: .seedClusters, groups: seeds.map { index[$0]! }, seedClusters: seedIDs.count)
    }
    let scales = Array(Set(x)).sorted()
    let index = Dictionary(uniqueKeysWithValues: scales.enumerated().map { ($1, $0) })
    let groups = x.map { index[$0]! }
    var counts = [Int](repeating: 0, count: scales.count)
    for g in groups { counts[g] += 1 }
    if counts.allSatisfy({ $0 >= 2 }) {
      return Resampling(scheme: .pointsWithinScale, groups: groups, seedClusters: seedIDs.count)
    }
    return Resampling(scheme: .residuals, groups: Array(x.indices), seedClusters: seedIDs.count)
  }

  /// Degrees of freedom of the spread this scheme draws from, for the expanded percentile
  /// interval: Σ(c − 1) over scales within scales, n − p for residuals; nil (no expansion) for
  /// seed clusters and single points, whose spread comes from many more draws.
  public func degreesOfFreedom(parameters: Int) -> Int? {
    switch scheme {
    case .seedClusters, .points: return nil
    case .residuals: return groups.count - parameters
    case .pointsWithinScale:
      var counts: [Int: Int] = [:]
      for g in groups { counts[g, default: 0] += 1 }
      return counts.values.map { $0 - 1 }.reduce(0, +)
    }
  }

  /// Hesterberg's expanded percentile interval: with ν degrees of freedom behind the spread,
  /// deviations from the estimate are scaled by t_ν / z at the interval's level, so that a
  /// spread estimated from few draws widens as Student's t does (1.18 for ν = 8 at 95 %).
  public static func expansion(degreesOfFreedom nu: Int?, level: Double) -> Double {
    guard let nu, nu >= 1 else { return nu == nil ? 1 : 2 }
    let z = normalQuantile(0.5 + level / 2)
    let v = Double(nu)
    // Cornish–Fisher expansion of Student's t quantile (error < 1e-3 for ν ≥ 3).
    let z3 = z * z * z
    let z5 = z3 * z * z
    let z7 = z5 * z * z
    let t =
      z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
      + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
    return t / z
  }

  /// Φ⁻¹(p) by bisection on erfc (p in (0.5, 1)).
  static func normalQuantile(_ p: Double) -> Double {
    var low = 0.0
    var high = 10.0
    for _ in 0..<100 {
      let middle = (low + high) / 2
      if 1 - 0.5 * erfc(middle / 2.squareRoot()) < p { low = middle } else { high = middle }
    }
    return (low + high) / 2
  }

  /// Why this scheme and not the seed-cluster bootstrap, with the count of distinct resamples;
  /// nil for the seed-cluster bootstrap with enough distinct resamples.
  public func warning(distinct: Int, drawn: Int) -> String? {
    let seeds = seedClusters == 1 ? "1 seed" : "\(seedClusters) seeds"
    let count = "\(distinct) distinct resamples of \(drawn) drawn"
    switch scheme {
    case .seedClusters:
      return distinct < drawn / 2
        ? "only \(count) (\(seeds)): the intervals are coarse; run more seeds" : nil
    case .pointsWithinScale, .residuals:
      return "\(seeds) \(seedClusters == 1 ? "is" : "are") too few for the seed-cluster"
        + " bootstrap (it needs ≥ \(Self.minimumSeedClusters)); intervals use the "
        + "\(scheme.description), \(count). Seeds are treated as independent at each scale;"
        + " run ≥ \(Self.minimumSeedClusters) seeds for intervals that also cover seed-level"
        + " effects."
    case .points: return nil
    }
  }
}

/// Bootstrap refits of a law: each resample (see `ResamplingScheme`) is refitted by L-BFGS from
/// its own best starts on the grid and from the full-sample optimum, keeping the lowest.
public struct Bootstrap: Sendable {
  /// Number of resamples.
  public var resamples: Int = 1000
  /// Interval coverage.
  public var level: Double = 0.95
  /// Seed of the resampling, so a report is reproducible.
  public var seed: UInt64 = 0
  /// OS threads for the refits (results do not depend on it).
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
  /// Grid starts each refit runs from: the ones with the lowest objective on the resample
  /// (besides the full-sample optimum).
  public var refitStarts: Int = 3
  /// At most this many grid starts are ranked per resample (every k-th of a larger grid).
  public var rankedStarts: Int = 150
  /// Draw S − 1 of S clusters (c − 1 of c points per scale), which removes the bootstrap's
  /// (S − 1)/S shrinkage of the variance; false draws S of S (the textbook bootstrap).
  public var oneFewer = true
  /// Widen the percentile interval by t_ν / z for schemes whose spread has few degrees of
  /// freedom (`Resampling.expansion`); false gives the plain percentile interval.
  public var expand = true

  public init() {}

  /// The outcome: each resample's natural parameters, and intervals.
  public struct Result: Sendable {
    /// Natural parameters per successful resample (`law.parameterNames` order).
    public var samples: [[Double]]
    /// One interval per parameter.
    public var intervals: [Interval]
    /// Resamples whose refit failed (non-finite), excluded from the intervals.
    public var failed: Int
    /// The scheme used.
    public var scheme: ResamplingScheme
    /// The factor t_ν / z applied to each resample's deviation (1: none).
    public var expansion: Double
    /// Distinct resamples among those drawn (equal resamples give equal refits).
    public var distinct: Int
    /// Resamples whose data differ from the full sample but whose best refit ended exactly where
    /// it started: the optimiser did not move, so the refit says nothing about the resample.
    public var unmoved: Int
  }

  func generator(_ index: Int) -> SplitMix64 {
    SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03) &+ 1)
  }

  /// Resample weights for resample `index`: each cluster drawn with replacement, as many
  /// draws as clusters (n of n).
  /// - Parameters:
  ///   - clusters: cluster id per point (points of one cluster move together).
  ///   - index: resample number (seeds its own generator).
  public func weights(clusters: [Int], index: Int) -> [Double] {
    var rng = generator(index)
    let ids = Array(Set(clusters)).sorted()
    var draws = [Int: Double]()
    for _ in 0..<ids.count { draws[ids[Int(rng.next() % UInt64(ids.count))], default: 0] += 1 }
    return clusters.map { draws[$0] ?? 0 }
  }

  /// Resample `index` of `objective` under `resampling`: new weights, or (residuals) new
  /// log-losses around `fit`. Also a key that is equal for equal resamples.
  public func resample(
    _ objective: HuberLogObjective, fit: LawFit, resampling: Resampling, index: Int
  ) -> (objective: HuberLogObjective, key: [Int]) {
    var rng = generator(index)
    var resampled = objective
    let n = objective.logY.count
    switch resampling.scheme {
    case .points:
      let w = weights(clusters: Array(0..<n), index: index)
      resampled.weights = w
      return (resampled, w.map { Int($0) })
    case .seedClusters, .pointsWithinScale:
      let groups = resampling.groups
      var members: [Int: [Int]] = [:]
      for i in 0..<n { members[groups[i], default: []].append(i) }
      var counts = [Int](repeating: 0, count: n)
      var scale = [Double](repeating: 1, count: n)
      if resampling.scheme == .seedClusters {
        let ids = members.keys.sorted()
        let draws = oneFewer && ids.count > 1 ? ids.count - 1 : ids.count
        var drawn = [Int: Int]()
        for _ in 0..<draws { drawn[ids[Int(rng.next() % UInt64(ids.count))], default: 0] += 1 }
        for (id, rows) in members {
          for i in rows { counts[i] = drawn[id] ?? 0 }
        }
        scale = [Double](repeating: Double(ids.count) / Double(draws), count: n)
      } else {
        for id in members.keys.sorted() {
          let rows = members[id]!
          let draws = oneFewer && rows.count > 1 ? rows.count - 1 : rows.count
          for _ in 0..<draws { counts[rows[Int(rng.next() % UInt64(rows.count))]] += 1 }
          for i in rows { scale[i] = Double(rows.count) / Double(draws) }
        }
      }
      resampled.weights = counts.indices.map { Double(counts[$0]) * scale[$0] }
      return (resampled, counts)
    case .residuals:
      let fitted = fittedLogs(objective, fit: fit)
      var residuals = (0..<n).map { objective.logY[$0] - fitted[$0] }
      let mean = residuals.reduce(0, +) / Double(n)
      let p = Double(fit.law.parameterNames.count)
      let inflation = Double(n) > p ? (Double(n) / (Double(n) - p)).squareRoot() : 1
      residuals = residuals.map { ($0 - mean) * inflation }
      let draws = (0..<n).map { _ in Int(rng.next() % UInt64(n)) }
      resampled.logY = (0..<n).map { fitted[$0] + residuals[draws[$0]] }
      return (resampled, draws)
    }
  }

  /// The fitted log-loss at each point of `objective`, in its units.
  func fittedLogs(_ objective: HuberLogObjective, fit: LawFit) -> [Double] {
    let p = fit.starts(in: objective.normalisation).optimum
    return objective.logY.indices.map { objective.logPrediction(p, at: $0) }
  }

  /// The grid starts ranked on each resample: `rankedStarts` of them, evenly spread.
  func rankedGrid(_ fitter: LawFitter) -> [[Double]] {
    let grid = fitter.starts ?? fitter.law.defaultStarts
    guard grid.count > rankedStarts else { return grid }
    let step = Double(grid.count) / Double(rankedStarts)
    return (0..<rankedStarts).map { grid[Int(Double($0) * step)] }
  }

  /// Refits `fit`'s law on every resample.
  /// - Parameters:
  ///   - fitter: the fitter (its starts and options).
  ///   - objective: the full-sample objective.
  ///   - fit: the full-sample fit (one of each refit's starts; the residual scheme's curve).
  ///   - resampling: how to draw resamples.
  public func run(
    fitter: LawFitter, objective: HuberLogObjective, fit: LawFit, resampling: Resampling
  ) -> Result {
    let grid = rankedGrid(fitter)
    let options = fitter.options
    let refitStarts = self.refitStarts
    let expansion =
      expand
      ? Resampling.expansion(
        degreesOfFreedom: resampling.degreesOfFreedom(parameters: objective.dimension),
        level: level) : 1
    let law = fitter.law
    let (estimate, subModelOptima) = fit.starts(in: objective.normalisation)
    let subModelStarts = fitter.startsFromSubModels ? subModelOptima : []
    let runs = parallelMap(count: resamples, threads: threads) {
      b -> (parameters: [Double]?, key: [Int], unmoved: Bool) in
      let (resampled, key) = resample(objective, fit: fit, resampling: resampling, index: b)
      var gradient = [Double](repeating: 0, count: objective.dimension)
      let ranked = grid.indices.map { i -> (Double, Int) in
        let value = resampled.value(at: grid[i], gradient: &gradient)
        return (value.isFinite ? value : .infinity, i)
      }.sorted { $0 < $1 }
      let starts =
        [estimate] + subModelStarts + ranked.prefix(refitStarts).map { grid[$0.1] }
      let results = starts.map { LBFGS.minimize(resampled, from: $0, options: options) }
      let best = LawFitter.tieBreak(results)
      let changed =
        resampled.weights != objective.weights || resampled.logY != objective.logY
      // A refit that ends where it started on changed data has not refitted anything (the old
      // zero-width intervals: every refit returned the full-data optimum).
      let unmoved = changed && results[best].x == starts[best]
      let parameters = Self.expanded(
        objective.normalisation.natural(results[best].x), estimate: fit.logParameters,
        by: expansion, law: law)
      let ok = results[best].value.isFinite && parameters.allSatisfy(\.isFinite)
      return (ok ? parameters : nil, key, unmoved)
    }
    let samples = runs.compactMap(\.parameters)
    let negligibleFloor = ParameterBound.negligible * smallestFittedLoss(objective, fit: fit)
    let intervals = law.parameterNames.indices.map { p in
      let values = samples.map { $0[p] }
      let interval =
        law.parameterNames[p] == "E"
        ? Interval.nonNegative(
          fit.parameters[p], samples: values, level: level, negligible: negligibleFloor)
        : Interval.around(fit.parameters[p], samples: values, level: level)
      return interval ?? Interval(lower: .nan, upper: .nan, level: level)
    }
    return Result(
      samples: samples, intervals: intervals, failed: runs.count - samples.count,
      scheme: resampling.scheme, expansion: expansion, distinct: Set(runs.map(\.key)).count,
      unmoved: runs.count(where: \.unmoved))
  }

  /// Hesterberg's expansion of one refit: its deviation from the estimate scaled by `factor`,
  /// in natural parameters. A, B (and α, β) in the natural layout (log A, α, log B, β), so they
  /// stay positive; E in its own units, clamped at its bound 0, because log E runs to −∞ where
  /// the floor vanishes and a deviation in log E from there is arbitrarily large (an estimate
  /// at 1e-39 turned a refit's 1e-5 into 1e-3).
  static func expanded(
    _ refit: [Double], estimate: [Double], by factor: Double, law: ScalingLaw
  ) -> [Double] {
    let logs = zip(refit, estimate).map { refit, estimate in
      estimate + factor * (refit - estimate)
    }
    var parameters = law.naturalParameters(logs)
    if let e = law.parameterNames.firstIndex(of: "E") {
      let (fitted, estimated) = (exp(refit[e]), exp(estimate[e]))
      parameters[e] = max(0, estimated + factor * (fitted - estimated))
    }
    return parameters
  }

  /// The fit's lowest loss over the points (in the data's units): the scale E is negligible on.
  func smallestFittedLoss(_ objective: HuberLogObjective, fit: LawFit) -> Double {
    exp((fittedLogs(objective, fit: fit).min() ?? 0) + objective.normalisation.logY)
  }

  /// Refits on resamples of single points, or of whole clusters (n of n), as before schemes.
  public func run(
    fitter: LawFitter, objective: HuberLogObjective, fit: LawFit, clusters: [Int]? = nil
  ) -> Result {
    let resampling =
      clusters.map { Resampling(scheme: .seedClusters, groups: $0) }
      ?? Resampling(scheme: .points, groups: Array(objective.logY.indices))
    var plain = self
    plain.oneFewer = false
    return plain.run(fitter: fitter, objective: objective, fit: fit, resampling: resampling)
  }
}

/// When a parameter counts as at its bound.
enum ParameterBound {
  /// E is at its bound 0 when it is below this fraction of the smallest fitted loss: a floor
  /// that changes no fitted loss by more than a part in a million is no floor any data here can
  /// show (losses are measured to a few per cent), and far above the ~1e-39 where log E drifts
  /// once the floor has vanished.
  static let negligible = 1e-6
}
