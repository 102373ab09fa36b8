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
    } catch {
      frontier.fitError = error.message
    }
    return frontier
  }
}

/// Chinchilla's IsoFLOP method: at each compute budget a parabola in log N, its vertex the
/// optimal N; then N_opt ∝ C^a across budgets (and D_opt ∝ C^(1−a) since D = C/6N).
public struct IsoFLOPAnalysis: Sendable {
  /// One budget's parabola vertex.
  public struct Budget: Sendable {
    public var compute: Double
    public var optimalN: Double
    public var lossAtOptimum: Double
    public var runs: Int
  }

  public var budgets: [Budget]
  /// Exponent a in N_opt = k·C^a (least squares in log–log).
  public var exponent: Double
  /// Prefactor k.
  public var coefficient: Double

  /// Finds budgets (runs whose compute is within 10 % of each other), fits their parabolas and
  /// the vertices' power law; nil when fewer than 2 budgets have ≥ 3 sizes and a minimum inside.
  public static func fit(n: [Double], compute: [Double], loss: [Double]) -> IsoFLOPAnalysis? {
    let order = compute.indices.sorted { compute[$0] < compute[$1] }
    var groups: [[Int]] = []
    for i in order {
      if let first = groups.last?.first, compute[i] <= compute[first] * 1.1 {
        groups[groups.count - 1].append(i)
      } else {
        groups.append([i])
      }
    }
    var budgets: [Budget] = []
    for rows in groups where Set(rows.map { n[$0] }).count >= 3 {
      let u = rows.map { log(n[$0]) }
      let v = rows.map { log(loss[$0]) }
      guard let (c0, c1, c2) = quadraticFit(u, v), c2 > 0 else { continue }
      let vertex = -c1 / (2 * c2)
      guard vertex >= u.min()!, vertex <= u.max()! else { continue }
      let budget = quantile(rows.map { compute[$0] }.sorted(), 0.5)
      budgets.append(
        Budget(
          compute: budget, optimalN: exp(vertex),
          lossAtOptimum: exp(c0 + c1 * vertex + c2 * vertex * vertex), runs: rows.count))
    }
    guard budgets.count >= 2 else { return nil }
    let (intercept, slope) = lineFit(
      budgets.map { log($0.compute) }, budgets.map { log($0.optimalN) })
    return IsoFLOPAnalysis(budgets: budgets, exponent: slope, coefficient: exp(intercept))
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

/// Least-squares parabola v = c0 + c1·u + c2·u² (centred for conditioning); nil if singular.
func quadraticFit(_ u: [Double], _ v: [Double]) -> (Double, Double, Double)? {
  let mu = u.reduce(0, +) / Double(u.count)
  var s = [Double](repeating: 0, count: 5)
  var t = [Double](repeating: 0, count: 3)
  for i in u.indices {
    let w = u[i] - mu
    var p = 1.0
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
