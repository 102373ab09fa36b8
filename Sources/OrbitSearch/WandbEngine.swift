/// wandb's Bayesian search, rule for rule (`wandb/sweeps`, `src/sweeps/bayes_search.py`):
/// every parameter mapped to [0, 1] by its prior's CDF (categoricals as ordered indices), one
/// isotropic Matérn-3/2 kernel with a 1e-7 nugget on the standardised metric, the best
/// expected improvement among 1,000 uniform random candidates; random until 2 runs have a
/// score and whenever the length scale sits at a bound; pending runs fantasised at the GP's
/// mean (kriging believer, refitted); above 100 scored runs, a subsample of 100 (with
/// replacement, as numpy's `randint` draws it).
public struct WandbEngine: SearchEngine {
  public let space: SearchSpace
  public let objective: Objective

  /// sklearn's `alpha` in wandb's GP: a nugget for numerical stability, not a noise model.
  public static let nugget = 1e-7
  /// wandb's `num_points_to_try`.
  public static let candidateCount = 1_000
  /// wandb's `max_samples_for_gp`: its GP is O(n³), so it sees at most this many runs.
  public static let maxSamples = 100
  /// wandb scores its EI with σ + 1e-6 in z.
  static let sdEpsilon = 1e-6

  public init(space: SearchSpace, objective: Objective) {
    self.space = space
    self.objective = objective
  }

  /// What the engine computed for one suggestion, for the golden tests against wandb.
  public struct Trace: Sendable {
    public var inputs: [[Double]]
    public var targets: [Double]
    public var lengthScale: Double?
    public var atBound: Bool
  }

  public mutating func suggest(
    history: [Observation], pending: [Point], random: inout SearchRandom
  ) -> Suggestion? {
    suggestWithTrace(history: history, pending: pending, random: &random).suggestion
  }

  /// ``suggest(history:pending:random:)`` with the normalised inputs and imputed targets it used.
  public func suggestWithTrace(
    history: [Observation], pending: [Point], random: inout SearchRandom
  ) -> (suggestion: Suggestion, trace: Trace) {
    let d = space.count
    let (inputs, y) = objective.trainingSet(history, in: space)
    var trace = Trace(inputs: inputs, targets: y, lengthScale: nil, atBound: false)
    func randomUnit() -> [Double] { (0..<d).map { _ in random.nextUnit() } }
    guard y.count >= 2 else {
      return (Suggestion(point: space.point(randomUnit()), source: .random), trace)
    }
    var sampleX = inputs
    var sampleY = y
    if y.count > Self.maxSamples {
      let picks = (0..<Self.maxSamples).map { _ in random.nextBelow(y.count) }
      sampleX = picks.map { inputs[$0] }
      sampleY = picks.map { y[$0] }
    }
    let flags = [Bool](repeating: false, count: d)
    func fit(_ x: [[Double]], _ y: [Double]) -> (GaussianProcess, Standardisation, Double, Bool)? {
      let standard = Standardisation(y)
      let flat = x.flatMap { $0 }
      let z = standard.apply(y)
      let (scale, atBound) = HyperparameterFit.isotropic(
        inputs: flat, y: z, dimension: d, categorical: flags, kernel: .threeHalves,
        noise: Self.nugget)
      let parameters = KernelParameters(
        lengthScales: Array(repeating: scale, count: d), amplitude: 1, noise: Self.nugget)
      guard
        let gp = GaussianProcess(
          inputs: flat, y: z, dimension: d, categorical: flags, kernel: .threeHalves,
          parameters: parameters)
      else { return nil }
      return (gp, standard, scale, atBound)
    }
    guard var (gp, standard, scale, atBound) = fit(sampleX, sampleY) else {
      return (Suggestion(point: space.point(randomUnit()), source: .random), trace)
    }
    if !pending.isEmpty {
      // wandb keeps at most max_samples − 5 runs in flight in the model.
      let flying = pending.prefix(Self.maxSamples - 5).map { space.unit($0) }
      let fantasies = flying.map { standard.invert(gp.predict($0).mean) }
      if let refit = fit(sampleX + flying, sampleY + fantasies) {
        (gp, standard, scale, atBound) = refit
      }
    }
    trace.lengthScale = scale
    trace.atBound = atBound
    let candidates = (0..<Self.candidateCount).map { _ in randomUnit() }
    let best = standard.apply(y.min()!)
    var bestIndex = 0
    var bestEI = -Double.infinity
    var bestMean = 0.0
    for (index, candidate) in candidates.enumerated() {
      let (mean, variance) = gp.predict(candidate)
      let sd = variance.squareRoot()
      let z = (best - mean) / (sd + Self.sdEpsilon)
      let ei =
        (best - mean) * SpecialFunctions.normalCDF(z) + sd * SpecialFunctions.normalPDF(z)
      if ei > bestEI {
        bestEI = ei
        bestIndex = index
        bestMean = mean
      }
    }
    if atBound {
      // wandb: np.random.randint(0, len − 1), which never picks the last candidate.
      let index = random.nextBelow(Self.candidateCount - 1)
      return (Suggestion(point: space.point(candidates[index]), source: .random), trace)
    }
    let mean = standard.invert(bestMean)
    return (
      Suggestion(
        point: space.point(candidates[bestIndex]), source: .model, acquisition: bestEI,
        predictedMean: objective.maximize ? -mean : mean), trace
    )
  }
}
