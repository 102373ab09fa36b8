import Foundation

/// A law with one term fewer that a law contains: E + A·x^−α contains A·x^−α (E → 0);
/// Chinchilla's E + A/N^α + B/D^β contains its law without a floor and each one-axis floor law
/// (B → 0, A → 0). Every such sub-law is a limit of the full law, so the full fit can always do
/// at least as well: `LawFitter` fits each sub-law first and starts the full law from its optimum
/// with the dropped term vanished, then refuses a fit that still ends worse (issue 23: a floor
/// law 5.5× worse than the pure law it contains, reported as the fit).
enum SubModel: Sendable, CaseIterable {
  /// E → 0.
  case withoutFloor
  /// B → 0: the law along N alone (two-axis laws).
  case withoutSecondTerm
  /// A → 0: the law along D alone (two-axis laws).
  case withoutFirstTerm

  /// The log of a vanished term in normalised units (the loss's geometric mean is 1): e^−50 ≈
  /// 2e−22 is below the rounding of any loss term (ε = 2.2e−16), and so is its gradient, so
  /// L-BFGS from there refits the other parameters exactly as the sub-law's own fit would.
  static let vanished = -50.0

  /// The sub-laws of `objective`'s law: each with one term dropped and a power term left.
  static func all(of objective: HuberLogObjective) -> [SubModel] {
    let twoAxes = !objective.logSecondX.isEmpty
    return allCases.filter { sub in
      switch sub {
      case .withoutFloor: objective.hasFloor
      case .withoutSecondTerm, .withoutFirstTerm: twoAxes
      }
    }
  }

  /// The sub-law's objective: the same points, weights and units, one term fewer.
  func objective(from full: HuberLogObjective) -> HuberLogObjective {
    var sub = full
    switch self {
    case .withoutFloor:
      sub.hasFloor = false
    case .withoutSecondTerm:
      sub.logSecondX = []
      sub.normalisation.logSecondX = 0
    case .withoutFirstTerm:
      sub.logX = full.logSecondX
      sub.logSecondX = []
      sub.normalisation.logX = full.normalisation.logSecondX
      sub.normalisation.logSecondX = 0
    }
    return sub
  }

  /// A sub-law vector in the full law's (normalised) layout, the dropped term vanished: its
  /// coefficient at `vanished` and, for a power term, its exponent 0, so it is vanished at
  /// every x.
  func embed(_ p: [Double]) -> [Double] {
    let vanishedTerm = [Self.vanished, 0]
    switch self {
    case .withoutFloor: return p + [Self.vanished]
    case .withoutSecondTerm: return Array(p[0..<2]) + vanishedTerm + p[2...]
    case .withoutFirstTerm: return vanishedTerm + p
    }
  }
}
