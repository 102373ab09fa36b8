import Foundation

/// A scaling law Orbit fits, in the log-sum-exp parameterisation of Hoffmann et al.
public enum ScalingLaw: String, Sendable, Codable, CaseIterable {
  /// L(x) = E + A·x^(−α), E ≥ 0.
  case powerLaw = "powerlaw"
  /// L(x) = A·x^(−α): no floor (`--no-floor`).
  case powerLawNoFloor = "powerlaw-no-floor"
  /// L(N, D) = E + A/N^α + B/D^β.
  case chinchilla

  /// Parameter names in the order of `LawFit.parameters`.
  public var parameterNames: [String] {
    switch self {
    case .powerLaw: ["A", "alpha", "E"]
    case .powerLawNoFloor: ["A", "alpha"]
    case .chinchilla: ["A", "alpha", "B", "beta", "E"]
    }
  }

  /// Whether the law has two scale axes (N and D).
  public var hasTwoAxes: Bool { self == .chinchilla }
  /// Whether the law has a floor E.
  public var hasFloor: Bool { self != .powerLawNoFloor }

  /// Natural parameters (A, α, …) from the optimiser's vector (log A, α, …).
  func naturalParameters(_ p: [Double]) -> [Double] {
    switch self {
    case .powerLaw: [exp(p[0]), p[1], exp(p[2])]
    case .powerLawNoFloor: [exp(p[0]), p[1]]
    case .chinchilla: [exp(p[0]), p[1], exp(p[2]), p[3], exp(p[4])]
    }
  }

  /// The optimiser's vector from natural parameters (inverse of `naturalParameters`).
  func logParameters(_ q: [Double]) -> [Double] {
    switch self {
    case .powerLaw: [log(q[0]), q[1], log(q[2])]
    case .powerLawNoFloor: [log(q[0]), q[1]]
    case .chinchilla: [log(q[0]), q[1], log(q[2]), q[3], log(q[4])]
    }
  }

  /// The grid of starts, in normalised units (`Normalisation`: x, D and the loss divided by
  /// their geometric means, so the loss is ≈ 1 mid-range): α, β ∈ {0, 0.5, …, 2} as Hoffmann et
  /// al.; a, b ∈ {−5, −4, …, 0}, a power term from 0.7 % to all of the loss mid-range; e ∈ {−2,
  /// −1.5, …, 0}, a floor from 14 % to all of it (smaller floors are reached from the pure law's
  /// optimum, which every floor fit also starts from, `SubModel`). Hoffmann's a, b ∈ {0, 5, …,
  /// 25} suited raw Chinchilla units only. 4,500 starts for Chinchilla, 150 for a power law, 30
  /// without a floor.
  public var defaultStarts: [[Double]] { Self.startGrid(twoAxes: hasTwoAxes, hasFloor: hasFloor) }

  /// The grid for an objective of this shape (sub-laws too: Chinchilla without its floor).
  static func startGrid(twoAxes: Bool, hasFloor: Bool) -> [[Double]] {
    let exponents = stride(from: 0.0, through: 2.0, by: 0.5).map { $0 }
    let floors: [Double] = hasFloor ? stride(from: -2.0, through: 0.0, by: 0.5).map { $0 } : []
    let coefficients = stride(from: -5.0, through: 0.0, by: 1.0).map { $0 }
    var starts: [[Double]] = []
    for a in coefficients {
      for b in twoAxes ? coefficients : [0] {
        for e in hasFloor ? floors : [0] {
          for alpha in exponents {
            for beta in twoAxes ? exponents : [0] {
              starts.append(
                [a, alpha] + (twoAxes ? [b, beta] : []) + (hasFloor ? [e] : []))
            }
          }
        }
      }
    }
    return starts
  }
}

/// One fitted law: its parameters, objective and how the search went.
public struct LawFit: Sendable {
  /// Which law.
  public var law: ScalingLaw
  /// Natural parameters in `law.parameterNames` order (A, α, [B, β,] [E]).
  public var parameters: [Double]
  /// The optimiser's vector (log A, α, …) at the optimum.
  public var logParameters: [Double]
  /// The objective (sum of Huber terms) at the optimum: compare fitters on this first.
  public var objective: Double
  /// Whether the best start's L-BFGS run ended on a stopping test.
  public var converged: Bool
  /// Iterations of the best start.
  public var iterations: Int
  /// Number of starts tried.
  public var starts: Int
  /// Starts whose objective is within 1e-6 (relative) of the best.
  public var startsAtOptimum: Int
  /// Number of points fitted.
  public var points: Int
  /// The lowest objective among the laws this one contains (`SubModel`: the floor law's pure
  /// law, …), on the same points; nil for a law that contains none. `objective` is never above
  /// it: `LawFitter.guardedFit` throws instead.
  public var subModelObjective: Double? = nil
  /// Those laws' optima in this law's natural layout, the dropped term vanished: a bootstrap
  /// refit starts from them too, so it is never worse than the sub-law refitted from there.
  public var subModelStarts: [[Double]] = []
  /// The units the optimiser worked in, and `logParameters` and `subModelStarts` in them as it
  /// ended: a bootstrap of the same objective starts there bit for bit, rather than from a round
  /// trip through the natural layout that differs in the last digits between units.
  var normalisation = Normalisation.identity
  var optimum: [Double] = []
  var subModelOptima: [[Double]] = []

  /// Where this fit's optimum and its sub-laws' optima are in an objective in `units`.
  func starts(in units: Normalisation) -> (optimum: [Double], subModels: [[Double]]) {
    guard units != normalisation || optimum.isEmpty else { return (optimum, subModelOptima) }
    return (units.normalised(logParameters), subModelStarts.map(units.normalised))
  }

  /// The parameter called `name` ("A", "alpha", "B", "beta", "E"); E is 0 for a law without one.
  public func parameter(_ name: String) -> Double {
    if let i = law.parameterNames.firstIndex(of: name) { return parameters[i] }
    return 0
  }

  /// The law's loss at x (and D for Chinchilla).
  public func predict(_ x: Double, _ secondX: Double = 1) -> Double {
    predictLaw(law, parameters, x, secondX)
  }
}

/// The law's loss at (x, secondX) for natural parameters `q`.
func predictLaw(_ law: ScalingLaw, _ q: [Double], _ x: Double, _ secondX: Double) -> Double {
  switch law {
  case .powerLaw: q[2] + q[0] * pow(x, -q[1])
  case .powerLawNoFloor: q[0] * pow(x, -q[1])
  case .chinchilla: q[4] + q[0] * pow(x, -q[1]) + q[2] * pow(secondX, -q[3])
  }
}
