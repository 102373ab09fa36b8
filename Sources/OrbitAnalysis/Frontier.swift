import Foundation

/// The compute-optimal frontier of one family: the runs with the lowest loss at each compute
/// (a running minimum over ascending compute), fitted by L(C) = E + A·C^(−γ).
public struct ComputeFrontier: Sendable {
  public var group: String
  /// The compute column.
  public var axis: String
  /// Frontier points, ascending in compute.
  public var compute: [Double]
  public var loss: [Double]
  /// The fit on the frontier (nil with fewer than 4 frontier points, or when it failed); α in
  /// it is γ.
  public var fit: FitWithIntervals?
  /// Why a frontier with enough points has no fit (`AnalysisError.fitFailed`, …).
  public var fitError: String?
  /// The frontier refitted without its largest budget, predicting it (≥ 5 points).
  public var holdout: FrontierHoldout?

  /// Builds the frontier of (compute, loss) and fits it when it has ≥ 4 points.
  public static func build(
    group: String, axis: String, compute: [Double], loss: [Double], settings: AnalysisSettings
  ) -> ComputeFrontier {
    let order = compute.indices.sorted { (compute[$0], loss[$0]) < (compute[$1], loss[$1]) }
    var c: [Double] = []
    var l: [Double] = []
    for i in order where l.last.map({ loss[i] < $0 }) ?? true {
      c.append(compute[i])
      l.append(loss[i])
    }
    var frontier = ComputeFrontier(group: group, axis: axis, compute: c, loss: l)
    guard c.count >= 4 else { return frontier }
    do {
      frontier.fit = try FitWithIntervals.make(
        law: .powerLaw, x: c, y: l, resampling: nil, settings: settings)
      frontier.holdout = FrontierHoldout.check(frontier, settings: settings)
    } catch {
      frontier.fitError = error.message
    }
    return frontier
  }
}

/// Chinchilla's IsoFLOP method (Approach 2): at each compute budget a parabola in log N, its
/// vertex the optimal N; then N_opt ∝ C^a across budgets (and D_opt ∝ C^(1−a) since D = C/6N).
/// Intervals come from a bootstrap: seed clusters drawn alike at every budget when the runs have
/// ≥ 5 seeds, otherwise each budget's parabola residuals resampled; either way widened by t_ν/z
/// for the few degrees of freedom behind the spread (S − 1 for S seeds, n − 3 per parabola).
public struct IsoFLOPAnalysis: Sendable {
  /// One budget's parabola vertex.
  public struct Budget: Sendable {
    public var compute: Double
    public var optimalN: Double
    /// The bootstrap interval of `optimalN` (nil without a bootstrap or when too few resamples
    /// had a vertex inside the budget's sizes).
    public var optimalNInterval: Interval?
    public var lossAtOptimum: Double
    public var runs: Int
  }

  public var budgets: [Budget]
  /// Exponent a in N_opt = k·C^a (least squares in log–log).
  public var exponent: Double
  /// Its bootstrap interval.
  public var exponentInterval: Interval?
  /// Prefactor k.
  public var coefficient: Double
  /// Resamples in which fewer than 2 budgets had a vertex inside their sizes (left out).
  public var failedResamples = 0

  /// A budget's runs: rows whose compute lies within 10 % of the budget's smallest.
  static func budgetRows(compute: [Double]) -> [[Int]] {
    let order = compute.indices.sorted { compute[$0] < compute[$1] }
    var groups: [[Int]] = []
    for i in order {
      if let first = groups.last?.first, compute[i] <= compute[first] * 1.1 {
        groups[groups.count - 1].append(i)
      } else {
        groups.append([i])
      }
    }
    return groups
  }

  /// The parabola v = c0 + c1·u + c2·u² of one budget, nil unless it opens upwards.
  static func parabola(_ u: [Double], _ v: [Double], weights: [Double]? = nil)
    -> (Double, Double, Double)?
  {
    guard let c = quadraticFit(u, v, weights: weights), c.2 > 0 else { return nil }
    return c
  }

  /// Finds budgets, fits their parabolas and the vertices' power law, and bootstraps both; nil
  /// when fewer than 2 budgets have ≥ 3 sizes and a minimum inside.
  /// - Parameters:
  ///   - seeds: each run's seed label (nil or fewer than `settings.minimumSeedClusters` distinct:
  ///     the residual bootstrap).
  ///   - settings: bootstrap count (0: none), level, random seed.
  public static func fit(
    n: [Double], compute: [Double], loss: [Double], seeds: [String]? = nil,
    settings: AnalysisSettings? = nil
  ) -> IsoFLOPAnalysis? {
    let logN = n.map { log($0) }
    let logL = loss.map { log($0) }
    let slices = budgetRows(compute: compute).filter { Set($0.map { n[$0] }).count >= 3 }
    var budgets: [Budget] = []
    var used: [[Int]] = []
    var shapes: [(Double, Double, Double)] = []
    for rows in slices {
      let u = rows.map { logN[$0] }
      guard let (c0, c1, c2) = parabola(u, rows.map { logL[$0] }) else { continue }
      let vertex = -c1 / (2 * c2)
      guard vertex >= u.min()!, vertex <= u.max()! else { continue }
      let budget = quantile(rows.map { compute[$0] }.sorted(), 0.5)
      budgets.append(
        Budget(
          compute: budget, optimalN: exp(vertex),
          lossAtOptimum: exp(c0 + c1 * vertex + c2 * vertex * vertex), runs: rows.count))
      used.append(rows)
      shapes.append((c0, c1, c2))
    }
    guard budgets.count >= 2 else { return nil }
    let logC = budgets.map { log($0.compute) }
    let (intercept, slope) = lineFit(logC, budgets.map { log($0.optimalN) })
    var analysis = IsoFLOPAnalysis(
      budgets: budgets, exponent: slope, exponentInterval: nil, coefficient: exp(intercept))
    guard let settings, settings.bootstrap > 0 else { return analysis }

    // Resample: seed clusters (one draw for every budget, as the runs of one seed share
    // everything but their size), or each budget's residuals around its parabola.
    let distinctSeeds = Array(Set(seeds ?? [])).sorted()
    let bySeed = distinctSeeds.count >= settings.minimumSeedClusters
    let seedIndex = Dictionary(uniqueKeysWithValues: distinctSeeds.enumerated().map { ($1, $0) })
    var vertexSamples = [[Double]](repeating: [], count: budgets.count)
    var slopeSamples: [Double] = []
    for b in 0..<settings.bootstrap {
      var bootstrap = Bootstrap()
      bootstrap.seed = settings.randomSeed
      var rng = bootstrap.generator(b)
      var seedWeights: [Double] = []
      if bySeed {
        // S − 1 of the S seeds, as the family fits draw them: the resampled spread then has the
        // variance of the measured one instead of (S − 1)/S of it.
        seedWeights = [Double](repeating: 0, count: distinctSeeds.count)
        for _ in 1..<distinctSeeds.count {
          seedWeights[Int(rng.next() % UInt64(distinctSeeds.count))] += 1
        }
      }
      var points: [(Double, Double)] = []
      for (k, rows) in used.enumerated() {
        let u = rows.map { logN[$0] }
        var v = rows.map { logL[$0] }
        var weights: [Double]? = nil
        if bySeed {
          weights = rows.map { seedWeights[seedIndex[seeds![$0]]!] }
        } else {
          let (c0, c1, c2) = shapes[k]
          let fitted = u.map { c0 + c1 * $0 + c2 * $0 * $0 }
          let residuals = v.indices.map { v[$0] - fitted[$0] }
          // Residuals shrink by the parameters a parabola spends: inflate by √(n / (n − 3)).
          let inflation =
            rows.count > 3 ? (Double(rows.count) / Double(rows.count - 3)).squareRoot() : 1
          v = fitted.map { $0 + residuals[Int(rng.next() % UInt64(residuals.count))] * inflation }
        }
        guard let (_, c1, c2) = parabola(u, v, weights: weights) else { continue }
        let vertex = -c1 / (2 * c2)
        guard vertex >= u.min()!, vertex <= u.max()! else { continue }
        vertexSamples[k].append(exp(vertex))
        points.append((logC[k], vertex))
      }
      guard points.count >= 2 else {
        analysis.failedResamples += 1
        continue
      }
      slopeSamples.append(lineFit(points.map(\.0), points.map(\.1)).1)
    }
    // The spread rests on few degrees of freedom — S − 1 for S seed clusters, n − 3 per
    // parabola for residuals — and understates the truth with so few: widened as Student's t
    // does. Without it 5 seed clusters covered a in 80.5–83 % of 200 simulated data sets
    // (bench/RESULTS.md, "Coverage of the compute-optimal exponent").
    let nu = bySeed ? distinctSeeds.count - 1 : used.map { $0.count - 3 }.reduce(0, +)
    let expansion = Resampling.expansion(degreesOfFreedom: nu, level: settings.level)
    func widened(_ estimate: Double, _ samples: [Double]) -> Interval? {
      // Fewer than half the resamples: the interval would describe the lucky ones only.
      guard samples.count * 2 >= settings.bootstrap else { return nil }
      let spread = samples.map { estimate + ($0 - estimate) * expansion }
      return Interval.around(estimate, samples: spread, level: settings.level)
    }
    analysis.exponentInterval = widened(slope, slopeSamples)
    for k in budgets.indices {
      let logSamples = vertexSamples[k].map { log($0) }
      analysis.budgets[k].optimalNInterval = widened(log(budgets[k].optimalN), logSamples).map {
        var interval = $0
        interval.lower = exp($0.lower)
        interval.upper = exp($0.upper)
        return interval
      }
    }
    return analysis
  }
}

/// Least-squares line v = c0 + c1·u.
func lineFit(_ u: [Double], _ v: [Double]) -> (Double, Double) {
  let n = Double(u.count)
  let mu = u.reduce(0, +) / n
  let mv = v.reduce(0, +) / n
  var suv = 0.0
  var suu = 0.0
  for i in u.indices {
    suv += (u[i] - mu) * (v[i] - mv)
    suu += (u[i] - mu) * (u[i] - mu)
  }
  let slope = suu > 0 ? suv / suu : 0
  return (mv - slope * mu, slope)
}

/// Least-squares parabola v = c0 + c1·u + c2·u² (centred for conditioning), each point counted
/// `weights[i]` times; nil if singular.
func quadraticFit(_ u: [Double], _ v: [Double], weights: [Double]? = nil) -> (
  Double, Double, Double
)? {
  let total = weights?.reduce(0, +) ?? Double(u.count)
  guard total > 0 else { return nil }
  let mu = u.indices.map { u[$0] * (weights?[$0] ?? 1) }.reduce(0, +) / total
  var s = [Double](repeating: 0, count: 5)
  var t = [Double](repeating: 0, count: 3)
  for i in u.indices {
    let w = u[i] - mu
    var p = weights?[i] ?? 1
    for k in 0..<5 {
      s[k] += p
      if k < 3 { t[k] += p * v[i] }
      p *= w
    }
  }
  // Solve the 3×3 normal equations by Cramer's rule.
  let m = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]]
  func det(_ a: [[Double]]) -> Double {
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1]
      * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
      + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
  }
  let d = det(m)
  guard abs(d) > 1e-300 else { return nil }
  var solution = [Double](repeating: 0, count: 3)
  for k in 0..<3 {
    var mk = m
    for r in 0..<3 { mk[r][k] = t[r] }
    solution[k] = det(mk) / d
  }
  // Un-centre: v = b0 + b1 (u − mu) + b2 (u − mu)².
  let (b0, b1, b2) = (solution[0], solution[1], solution[2])
  return (b0 - b1 * mu + b2 * mu * mu, b1 - 2 * b2 * mu, b2)
}
