import Foundation

/// Simulated L(N, D) tables from a known Chinchilla law, to measure how often the intervals of
/// the compute-optimal exponent a = β/(α+β) cover the truth, by Approach 3 (the parametric fit)
/// and Approach 2 (IsoFLOP parabolas) — issue 24's acceptance test; `FitBench compute` runs it
/// at full size, the suite a few data sets.
///
/// Two designs: a **Chinchilla grid** (every size × every length) and an **IsoFLOP grid** (at
/// each budget C, sizes log-spaced around the true N*(C), D = C / 6N; `offCentre` shifts the
/// sizes by that many decades, as a grid placed by a wrong guess is). The loss of seed s is
/// law(N, D) · exp(offset_s + ε), offset_s ~ N(0, `seedOffset`), ε ~ N(0, `noise`).
public struct ComputeOptimalSimulation: Sendable {
  public enum Design: String, Sendable, CaseIterable {
    case chinchillaGrid = "chinchilla-grid"
    case isoFLOPGrid = "isoflop-grid"
  }

  /// The true law L = E + A/N^α + B/D^β (Hoffmann et al.'s fit, rounded).
  public var e = 1.69
  public var bigA = 406.4
  public var alpha = 0.34
  public var bigB = 410.7
  public var beta = 0.28
  public var design = Design.chinchillaGrid
  public var seeds = 3
  public var noise = 0.01
  public var seedOffset = 0.005
  /// Chinchilla grid: sizes and lengths.
  public var sizes: [Double] = [1e6, 3e6, 1e7, 3e7, 1e8]
  public var lengths: [Double] = [1e8, 3e8, 1e9, 3e9, 1e10]
  /// IsoFLOP grid: budgets, sizes per budget, the decades they span, and their offset.
  public var budgets: [Double] = [1e16, 1e17, 1e18, 1e19]
  public var sizesPerBudget = 7
  public var decadesPerBudget = 1.5
  public var offCentre = 0.0
  public var settings: AnalysisSettings

  public init(settings: AnalysisSettings) { self.settings = settings }

  /// The true a = β/(α+β).
  public var trueA: Double { beta / (alpha + beta) }

  /// The true N*(C) (C = 6·N·D).
  public func trueOptimalN(compute: Double) -> Double {
    ChinchillaFit.allocation([bigA, alpha, bigB, beta, e], compute: compute).n
  }

  /// One simulated table: sizes, lengths, losses and seed labels.
  public func data(index: Int) -> (n: [Double], d: [Double], loss: [Double], seeds: [String]) {
    var rng = SplitMix64(seed: 0xC0_4417 &+ UInt64(index) &* 0x9E37_79B9)
    func normal() -> Double {
      let u1 = Double(rng.next() >> 11) / Double(1 << 53) + 1e-300
      let u2 = Double(rng.next() >> 11) / Double(1 << 53)
      return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
    var design: [(Double, Double)] = []
    switch self.design {
    case .chinchillaGrid:
      for n in sizes { for d in lengths { design.append((n, d)) } }
    case .isoFLOPGrid:
      for c in budgets {
        let centre = log10(trueOptimalN(compute: c)) + offCentre
        for j in 0..<sizesPerBudget {
          let step = decadesPerBudget * (Double(j) / Double(sizesPerBudget - 1) - 0.5)
          let n = pow(10, centre + step)
          design.append((n, c / (6 * n)))
        }
      }
    }
    var (n, d, loss, labels) = ([Double](), [Double](), [Double](), [String]())
    for s in 0..<seeds {
      let offset = seedOffset * normal()
      for (size, length) in design {
        let truth = e + bigA / pow(size, alpha) + bigB / pow(length, beta)
        n.append(size)
        d.append(length)
        loss.append(truth * exp(offset + noise * normal()))
        labels.append("\(s)")
      }
    }
    return (n, d, loss, labels)
  }

  /// What one data set's intervals covered.
  public struct Outcome: Sendable {
    /// Approach 3's interval of a covers the truth.
    public var parametricCovered: Bool
    public var parametricWidth: Double
    /// Approach 2's (nil: the design forms no IsoFLOP budgets, or no interval).
    public var isoFLOPCovered: Bool?
    public var isoFLOPWidth: Double?
    public var agree: Bool?
    /// Approach 3's N* intervals at the measured budgets: how many cover the true N*(C), of how
    /// many.
    public var optimalNCovered = 0
    public var optimalNBudgets = 0
  }

  /// Fits data set `index` both ways and checks the intervals against the truth.
  public func run(index: Int) throws(AnalysisError) -> Outcome {
    let table = data(index: index)
    let fit = try ChinchillaFit.make(
      n: table.n, d: table.d, y: table.loss, seeds: table.seeds, settings: settings)
    let compute = table.n.indices.map { 6 * table.n[$0] * table.d[$0] }
    let iso = IsoFLOPAnalysis.fit(
      n: table.n, compute: compute, loss: table.loss, seeds: table.seeds, settings: settings)
    let optimal = ComputeOptimal.make(chinchilla: fit, isoFLOP: iso, level: settings.level)
    let parametric = optimal.a.interval
    let isoInterval = iso?.exponentInterval
    var outcome = Outcome(
      parametricCovered: parametric?.contains(trueA) ?? false,
      parametricWidth: parametric.map { $0.upper - $0.lower } ?? .nan,
      isoFLOPCovered: isoInterval.map { $0.contains(trueA) },
      isoFLOPWidth: isoInterval.map { $0.upper - $0.lower }, agree: optimal.agree)
    for allocation in optimal.allocations where !allocation.extrapolated {
      outcome.optimalNBudgets += 1
      let truth = trueOptimalN(compute: allocation.compute)
      if allocation.optimalN.interval?.contains(truth) == true { outcome.optimalNCovered += 1 }
    }
    return outcome
  }
}
