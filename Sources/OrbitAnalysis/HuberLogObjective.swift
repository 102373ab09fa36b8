import Foundation

/// The fitting objective of a scaling law in log-sum-exp form: the sum over points of
/// Huber_δ(LSE(a − α·u, b − β·v, e) − log L), with u = log N (or log x) and v = log D.
///
/// Parameters are laid out `[a, α]`, `[a, α, e]` or `[a, α, b, β, e]` (see `ScalingLaw`).
/// Points carry weights so a bootstrap resample is a weight vector, not a copied table.
public struct HuberLogObjective: DifferentiableObjective, Sendable {
  /// log of the first scale axis per point.
  public var logX: [Double]
  /// log of the second scale axis (Chinchilla's D); empty for one-axis laws.
  public var logSecondX: [Double]
  /// log of the observed loss per point.
  public var logY: [Double]
  /// Multiplicity of each point (1 for a plain fit, 0…k for a bootstrap resample).
  public var weights: [Double]
  /// Huber's δ on log-loss residuals.
  public var delta: Double
  /// Whether the law has a floor term e (E = e^e).
  public var hasFloor: Bool
  /// Divide by the number of points: the MEAN objective that stops optimisers early.
  public var useMean: Bool = false
  /// The units of the points and of the parameters (`Normalisation`): `LawFitter.makeObjective`
  /// centres the logs on their means; an objective built from raw logs is in raw units.
  public var normalisation = Normalisation.identity
  /// Use the four-wide exp/log path. Off in debug builds, where unspecialised SIMD code is
  /// ~100× slower than scalar libm; tests switch it on to check it against the scalar path.
  public var vectorized: Bool = Self.vectorizedByDefault

  static var vectorizedByDefault: Bool {
    #if DEBUG
      false
    #else
      true
    #endif
  }

  public var dimension: Int { (logSecondX.isEmpty ? 2 : 4) + (hasFloor ? 1 : 0) }

  public init(
    logX: [Double], logSecondX: [Double] = [], logY: [Double], weights: [Double]? = nil,
    delta: Double, hasFloor: Bool
  ) {
    self.logX = logX
    self.logSecondX = logSecondX
    self.logY = logY
    self.weights = weights ?? [Double](repeating: 1, count: logY.count)
    self.delta = delta
    self.hasFloor = hasFloor
  }

  /// The law's log-loss at point `i` for parameters `p` (this objective's layout and units).
  public func logPrediction(_ p: [Double], at i: Int) -> Double {
    let twoAxes = !logSecondX.isEmpty
    var terms = [p[0] - p[1] * logX[i]]
    if twoAxes { terms.append(p[2] - p[3] * logSecondX[i]) }
    if hasFloor { terms.append(p[twoAxes ? 4 : 2]) }
    let top = terms.max()!
    return top + log(terms.map { exp($0 - top) }.reduce(0, +))
  }

  public func value(at p: [Double], gradient: inout [Double]) -> Double {
    let twoAxes = !logSecondX.isEmpty
    let a = p[0]
    let alpha = p[1]
    let b = twoAxes ? p[2] : 0
    let beta = twoAxes ? p[3] : 0
    let floorIndex = twoAxes ? 4 : 2
    let e = hasFloor ? p[floorIndex] : 0
    let delta = self.delta
    var total = 0.0
    var ga = 0.0
    var galpha = 0.0
    var gb = 0.0
    var gbeta = 0.0
    var ge = 0.0
    logX.withUnsafeBufferPointer { u in
      logY.withUnsafeBufferPointer { y in
        weights.withUnsafeBufferPointer { w in
          logSecondX.withUnsafeBufferPointer { v in
            // Four points at a time with vector exp/log; the scalar loop takes the rest.
            let vectorEnd = vectorized ? y.count - y.count % 4 : 0
            var va = Double4(repeating: 0)
            var valpha = va
            var vb = va
            var vbeta = va
            var ve = va
            var vtotal = va
            var i = 0
            var scalarPoints: [Int] = []
            // E = e^e is the same for every point; the power terms are summed unshifted
            // (2 exps and a log per point): safe while the largest term is within e^-600…e^700,
            // where exp4 clamping a tiny term at e^-700 changes the sum by < e^-100.
            let floorTerm = Double4(repeating: hasFloor ? Foundation.exp(e) : 0)
            let limit = Double4(repeating: 700)
            while i < vectorEnd {
              let weight = Double4(w[i], w[i + 1], w[i + 2], w[i + 3])
              let ui = Double4(u[i], u[i + 1], u[i + 2], u[i + 3])
              let t1 = a - alpha * ui
              var vi = Double4(repeating: 0)
              var t2 = Double4(repeating: -1000)
              if twoAxes {
                vi = Double4(v[i], v[i + 1], v[i + 2], v[i + 3])
                t2 = b - beta * vi
              }
              let top = lanewiseMax(lanewiseMax(t1, t2), Double4(repeating: hasFloor ? e : -1000))
              if any(top .> limit) || any(top .< -600) {
                // Out of the fast path's range: these four go through the scalar loop.
                scalarPoints.append(contentsOf: i..<(i + 4))
                i += 4
                continue
              }
              let x1 = exp4(t1)
              let x2 = twoAxes ? exp4(t2) : Double4(repeating: 0)
              let x3 = floorTerm
              let sum = x1 + x2 + x3
              let residual = log4(sum) - Double4(y[i], y[i + 1], y[i + 2], y[i + 3])
              let r = residual.replacing(with: -residual, where: residual .< 0)
              let quadratic = 0.5 * residual * residual
              let linear = delta * (r - 0.5 * delta)
              vtotal += weight * quadratic.replacing(with: linear, where: r .> delta)
              var clipped = residual.replacing(with: delta, where: residual .> delta)
              clipped.replace(with: -delta, where: residual .< -delta)
              let scale = weight * clipped / sum
              let s1 = scale * x1
              va += s1
              valpha -= s1 * ui
              if twoAxes {
                let s2 = scale * x2
                vb += s2
                vbeta -= s2 * vi
              }
              if hasFloor { ve += scale * x3 }
              i += 4
            }
            total = vtotal.sum()
            ga = va.sum()
            galpha = valpha.sum()
            gb = vb.sum()
            gbeta = vbeta.sum()
            ge = ve.sum()
            for i in scalarPoints + Array(vectorEnd..<y.count) {
              let weight = w[i]
              if weight == 0 { continue }
              let t1 = a - alpha * u[i]
              let t2 = twoAxes ? b - beta * v[i] : -Double.infinity
              let t3 = hasFloor ? e : -Double.infinity
              // Stable log-sum-exp: shift by the largest term.
              let top = max(t1, max(t2, t3))
              let x1 = Foundation.exp(t1 - top)
              let x2 = twoAxes ? Foundation.exp(t2 - top) : 0
              let x3 = hasFloor ? Foundation.exp(t3 - top) : 0
              let sum = x1 + x2 + x3
              let residual = top + Foundation.log(sum) - y[i]
              let r = abs(residual)
              let loss: Double
              let clipped: Double
              if r <= delta {
                loss = 0.5 * residual * residual
                clipped = residual
              } else {
                loss = delta * (r - 0.5 * delta)
                clipped = residual > 0 ? delta : -delta
              }
              total += weight * loss
              // d LSE / d t_k is the softmax weight of term k.
              let scale = weight * clipped / sum
              let s1 = scale * x1
              ga += s1
              galpha -= s1 * u[i]
              if twoAxes {
                let s2 = scale * x2
                gb += s2
                gbeta -= s2 * v[i]
              }
              if hasFloor { ge += scale * x3 }
            }
          }
        }
      }
    }
    let norm = useMean ? 1 / Double(logY.count) : 1
    gradient[0] = ga * norm
    gradient[1] = galpha * norm
    if twoAxes {
      gradient[2] = gb * norm
      gradient[3] = gbeta * norm
    }
    if hasFloor { gradient[floorIndex] = ge * norm }
    return total * norm
  }
}
