import Foundation

/// Simulated sweeps from a known law, to measure how often the bootstrap intervals cover the
/// truth (issue 15's acceptance test; `FitBench coverage` runs it at full size).
///
/// Each data set has `seeds` seeds × the scales 2^6 … 2^13 (the symmetry study's ladder). The
/// loss at scale x of seed s is law(x) · exp(offset_s + ε), with a per-seed offset
/// offset_s ~ N(0, `seedOffset`) and per-point noise ε ~ N(0, `noise`). The defaults come from
/// the examples: σ = 0.05 gives the 4 % seed spread of the symmetry study's plain exponent
/// (0.05 / √Σ(log x − mean)² ≈ 0.011 ≈ 4 % of β = 0.32 with Huber's efficiency), and the 2 %
/// offset is the quickstart's noise.
public struct CoverageSimulation: Sendable {
  /// The true law: L = E + A·x^(−α) (E = 0 for a pure power law).
  public var a: Double = 1.5
  public var alpha: Double = 0.32
  public var floor: Double = 0
  public var seeds: Int = 2
  public var noise: Double = 0.05
  public var seedOffset: Double = 0.02
  public var scales: [Double] = (6...13).map { pow(2, Double($0)) }
  /// Analysis settings of every fit (bootstrap count, level, δ, threads).
  public var settings: AnalysisSettings

  public init(settings: AnalysisSettings) { self.settings = settings }

  /// One simulated data set: x, y and seed labels.
  public func data(index: Int) -> (x: [Double], y: [Double], seeds: [String]) {
    var rng = SplitMix64(seed: 0x5EED_0000 &+ UInt64(index) &* 0x9E37_79B9)
    func normal() -> Double {
      let u1 = Double(rng.next() >> 11) / Double(1 << 53) + 1e-300
      let u2 = Double(rng.next() >> 11) / Double(1 << 53)
      return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
    var x: [Double] = []
    var y: [Double] = []
    var labels: [String] = []
    for s in 0..<seeds {
      let offset = seedOffset * normal()
      for scale in scales {
        x.append(scale)
        y.append((floor + a * pow(scale, -alpha)) * exp(offset + noise * normal()))
        labels.append("\(s)")
      }
    }
    return (x, y, labels)
  }

  /// What one data set's intervals covered.
  public struct Outcome: Sendable {
    /// α of the law that matches the truth (the pure law when E = 0, else the floor law).
    public var alphaCovered: Bool
    /// α of the floor law (the one the report reads a floor from).
    public var floorAlphaCovered: Bool
    /// E: inside E's interval; for a true E = 0, the floor is not called significant (E's lower
    /// bound below `floorFraction` of the lowest loss, the report's floor rule).
    public var floorCovered: Bool
    public var scheme: ResamplingScheme?
    public var distinct: Int
    /// Widths of the α interval (matching law) and of E's.
    public var alphaWidth: Double
    public var floorWidth: Double
  }

  /// Fits data set `index` and checks its intervals against the truth.
  public func run(index: Int) throws(AnalysisError) -> Outcome {
    let d = data(index: index)
    let resampling = Resampling.choose(
      x: d.x, seeds: d.seeds, minimumSeedClusters: settings.minimumSeedClusters)
    let withFloor = try FitWithIntervals.make(
      law: .powerLaw, x: d.x, y: d.y, resampling: resampling, settings: settings)
    let matching =
      floor > 0
      ? withFloor
      : try FitWithIntervals.make(
        law: .powerLawNoFloor, x: d.x, y: d.y, resampling: resampling, settings: settings)
    let alphaInterval = matching.interval("alpha")!
    let eInterval = withFloor.interval("E")!
    let lowest = d.y.min()!
    let floorCovered =
      floor > 0
      ? eInterval.contains(floor) : eInterval.lower < settings.floorFraction * lowest
    return Outcome(
      alphaCovered: alphaInterval.contains(alpha),
      floorAlphaCovered: withFloor.interval("alpha")!.contains(alpha),
      floorCovered: floorCovered, scheme: withFloor.scheme,
      distinct: withFloor.distinctResamples,
      alphaWidth: alphaInterval.upper - alphaInterval.lower,
      floorWidth: eInterval.upper - eInterval.lower)
  }
}
