import Foundation

/// The units a fit is made in: x (N), D and the loss divided by their geometric means, so the
/// optimiser sees log x − log x̄ and log L − log L̄. The same data in other units (x as a data
/// fraction or as a token count, the loss in nats or bits) are then the same problem, with the
/// same starts and the same optimum: α unchanged, A and E scaled as the units are. In raw units
/// one grid of starts cannot suit both x ~ 1e9 and x ~ 0.01 (issue 23: α = −20 on data fractions
/// 0.01…1, α = 0.5 on the same data × 1000).
///
/// Parameter vectors come in two layouts: the objective's (a′, α, [b′, β,] [e′], in these units)
/// and the natural one (log A, α, [log B, β,] [log E], in the data's units, `LawFit`). With
/// L = L̄·L′(x/x̄, D/D̄): log A = a′ + log L̄ + α·log x̄, log B = b′ + log L̄ + β·log D̄ and
/// log E = e′ + log L̄. The map is affine, so deviations scale through it unchanged.
public struct Normalisation: Sendable, Equatable {
  /// log x̄: the mean of log x (log N for Chinchilla).
  public var logX: Double
  /// log D̄ (0 for one-axis laws).
  public var logSecondX: Double
  /// log L̄: the mean of the log-losses.
  public var logY: Double

  /// Raw units: what an objective built from raw logs (tests, comparisons) is in.
  public static let identity = Normalisation(logX: 0, logSecondX: 0, logY: 0)

  public init(logX: Double, logSecondX: Double, logY: Double) {
    self.logX = logX
    self.logSecondX = logSecondX
    self.logY = logY
  }

  /// The centre of these logs (unweighted means; an empty axis centres at 0).
  init(logX: [Double], logSecondX: [Double], logY: [Double]) {
    func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
    self.init(logX: mean(logX), logSecondX: mean(logSecondX), logY: mean(logY))
  }

  /// A normalised vector in the natural layout. The layout is known from its length: a floor
  /// (e′) makes it odd, two axes make it 4 or 5 long.
  public func natural(_ p: [Double]) -> [Double] { shifted(p, by: 1) }

  /// A natural vector in the normalised layout (the inverse of `natural`).
  public func normalised(_ q: [Double]) -> [Double] { shifted(q, by: -1) }

  private func shifted(_ p: [Double], by sign: Double) -> [Double] {
    var q = p
    q[0] += sign * (logY + p[1] * logX)
    if p.count >= 4 { q[2] += sign * (logY + p[3] * logSecondX) }
    if p.count % 2 == 1 { q[p.count - 1] += sign * logY }
    return q
  }
}
