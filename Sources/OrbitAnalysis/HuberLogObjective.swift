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
            for i in 0..<y.count {
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
