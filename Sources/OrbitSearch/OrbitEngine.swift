/// Orbit's default Bayesian search: a Gaussian process with one length scale per parameter
/// (ARD Matérn-5/2), a fitted signal and noise variance (MAP, with the dimension-scaled
/// log-normal length-scale prior of Hvarfner et al. 2024), log expected improvement maximised
/// over scrambled-Halton candidates, perturbations of the best points and a compass search;
/// unordered categoricals (a Hamming distance); pending runs fantasised at the posterior mean so
/// parallel workers are kept apart; a finite space never given a configuration twice; and past
/// ``Settings/localThreshold`` results a local model around the incumbent, so a suggestion
/// costs about the same at 10,000 results as at 300.
public struct OrbitEngine: SearchEngine {
  public let space: SearchSpace
  public let objective: Objective
  public let seed: Int64
  public var settings: Settings
  /// The kernel parameters of the last model-based suggestion (for diagnostics and journals).
  public private(set) var lastFit: KernelParameters?

  public struct Settings: Sendable, Hashable {
    /// Scored runs before the model takes over; until then, points of a scrambled Halton
    /// design, distinct for parallel workers. nil: d + 1, within 2…8.
    public var initialDesign: Int? = nil
    /// Quasi-random candidates per suggestion: 1,024 covers [0, 1]⁶ at about 3 per axis
    /// quarter, and costs n² each to score.
    public var candidates = 1_024
    /// Perturbed copies of each of the ``perturbedPoints`` best results.
    public var perturbationsPerPoint = 64
    public var perturbedPoints = 5
    /// Candidates a compass search refines.
    public var refinementStarts = 3
    /// Scored runs above which the model is local: the ``localSize`` nearest to the best run.
    public var localThreshold = 256
    public var localSize = 128
    /// Points a hyper-parameter fit sees at most (the best half and an even spread of the
    /// rest): its cost is O(n³) per step, and 80 points pin down 8 parameters well.
    public var fitLimit = 80
    public var fitIterations = 50
    /// The prior on each length scale (mean and sd of log ℓ, ℓ in unit-cube units); nil: the
    /// dimension-scaled prior of Hvarfner et al. 2024, N(√2 + ½ log d, √3). The default is
    /// the log-normal match of BoTorch's earlier Gamma(3, 6) (mean ℓ 0.5): measured on
    /// Hartmann-6 at 1 worker over 10 seeds (bench/RESULTS.md), the dimension-scaled prior let
    /// early fits call 2 of 6 inputs flat (ℓ ≈ 4–10) and 2 seeds never left a local minimum
    /// (median regret 0.22 at 50 runs); this one: 0.007 at 50, and no worse on Branin or the
    /// tuning task.
    public var lengthScalePrior: LogNormalPrior? = LogNormalPrior(mean: -0.87, sd: 0.63)
    /// Largest length scale a fit may reach: beyond a few unit-cube widths a Matérn kernel is
    /// flat along that input, and the search stops exploring it.
    public var maxLengthScale = 100.0

    public init() {}
  }

  /// A Gaussian prior on a logarithm.
  public struct LogNormalPrior: Sendable, Hashable {
    public var mean: Double
    public var sd: Double
    public init(mean: Double, sd: Double) {
      self.mean = mean
      self.sd = sd
    }
  }

  public init(
    space: SearchSpace, objective: Objective, seed: Int64, settings: Settings = Settings()
  ) {
    self.space = space
    self.objective = objective
    self.seed = seed
    self.settings = settings
  }

  var categorical: [Bool] { space.dimensions.map(\.prior.isCategorical) }

  var initialDesignSize: Int { settings.initialDesign ?? min(max(space.count + 1, 2), 8) }

  /// Unit coordinates moved onto a configuration the space can take (a quantised or integer
  /// value, a category), so the model scores what will actually run.
  func snap(_ u: [Double]) -> [Double] { space.unit(space.point(u)) }

  public mutating func suggest(
    history: [Observation], pending: [Point], random: inout SearchRandom
  ) -> Suggestion? {
    let d = space.count
    let finiteSize = space.finiteSize
    var seen = Set<[Double]>()
    if finiteSize != nil {
      for point in history.map(\.point) + pending { seen.insert(space.key(point)) }
      if let finiteSize, seen.count >= finiteSize { return nil }
    }
    func isFresh(_ u: [Double]) -> Bool {
      finiteSize == nil || !seen.contains(space.key(space.point(u)))
    }

    let (inputs, y) = objective.trainingSet(history, in: space)

    if y.count < initialDesignSize {
      // The design is one fixed scrambled-Halton sequence for the sweep (its own stream of the
      // seed), indexed by how many suggestions came before: parallel workers get distinct,
      // spread-out points, not the same first draws (wandb#5215).
      var designRandom = SearchRandom(seed: seed, stream: 0xD351_6E)
      let design = ScrambledHalton(dimension: d, random: &designRandom)
      var index = history.count + pending.count
      for _ in 0..<4_096 {
        let u = snap(design.point(index))
        if isFresh(u) { return Suggestion(point: space.point(u), source: .design) }
        index += 1
      }
      return remainingFinitePoint(seen: seen, random: &random).map {
        Suggestion(point: $0, source: .random)
      }
    }

    guard
      let model = Model(
        engine: self, inputs: inputs, y: y, pending: pending.map { snap(space.unit($0)) })
    else {
      // A kernel matrix that will not factor (never seen in tests): a fresh random point keeps
      // the sweep going.
      for _ in 0..<1_000 {
        let u = snap((0..<d).map { _ in random.nextUnit() })
        if isFresh(u) { return Suggestion(point: space.point(u), source: .random) }
      }
      return remainingFinitePoint(seen: seen, random: &random).map {
        Suggestion(point: $0, source: .random)
      }
    }

    // Candidates: quasi-random over the model's region, and perturbations of the best runs.
    var candidates: [[Double]] = []
    let halton = ScrambledHalton(dimension: d, random: &random)
    for i in 0..<settings.candidates {
      let u = halton.point(i)
      candidates.append(
        snap((0..<d).map { model.low[$0] + u[$0] * (model.high[$0] - model.low[$0]) }))
    }
    let order = y.indices.sorted { y[$0] < y[$1] }
    for index in order.prefix(settings.perturbedPoints) {
      for j in 0..<settings.perturbationsPerPoint {
        // Half near (σ = 0.02 of the range), half wider (σ = 0.1): refine and hop.
        let sigma = j % 2 == 0 ? 0.02 : 0.1
        var u = inputs[index]
        for k in 0..<d {
          if categorical[k] {
            if random.nextUnit() < 0.2 { u[k] = random.nextUnit() }
          } else {
            u[k] = min(max(u[k] + sigma * random.nextGaussian(), 0), 1)
          }
        }
        candidates.append(snap(u))
      }
    }
    candidates = candidates.filter(isFresh)
    if candidates.isEmpty, let point = remainingFinitePoint(seen: seen, random: &random) {
      candidates = [space.unit(point)]
    }
    guard !candidates.isEmpty else { return nil }

    lastFit = model.process.parameters
    var scored = candidates.map { ($0, model.logEI($0)) }
    scored.sort { $0.1 > $1.1 }
    var best = scored[0]
    for start in scored.prefix(settings.refinementStarts) {
      let refined = compassSearch(from: start, model: model, isFresh: isFresh)
      if refined.1 > best.1 { best = refined }
    }
    let mean = model.standard.invert(model.process.predict(best.0).mean)
    return Suggestion(
      point: space.point(best.0), source: .model, acquisition: best.1,
      predictedMean: objective.maximize ? -mean : mean)
  }

  /// A local search on log-EI: steps of 0.05 of the range along each axis, halved down to
  /// 0.003 when no step improves; categoricals try every other category (up to 16).
  func compassSearch(
    from start: ([Double], Double), model: Model, isFresh: ([Double]) -> Bool
  ) -> ([Double], Double) {
    var (point, value) = start
    var step = 0.05
    var evaluations = 0
    while step > 0.003, evaluations < 200 {
      var improved = false
      for k in 0..<space.count {
        var moves: [[Double]] = []
        if case .categorical(let count, _) = space.dimensions[k].prior {
          guard count <= 16 else { continue }
          for c in 0..<count {
            var u = point
            u[k] = space.dimensions[k].prior.cdf(Double(c))
            if u[k] != point[k] { moves.append(u) }
          }
        } else {
          for sign in [-1.0, 1.0] {
            var u = point
            u[k] = min(max(u[k] + sign * step, 0), 1)
            moves.append(snap(u))
          }
        }
        for u in moves where u != point && isFresh(u) {
          evaluations += 1
          let v = model.logEI(u)
          if v > value + 1e-12 {
            point = u
            value = v
            improved = true
          }
        }
      }
      if !improved { step /= 2 }
    }
    return (point, value)
  }

  /// A configuration of a finite space that is neither finished nor pending, drawn at random
  /// among the first 200,000 in order (larger spaces are never exhausted by candidates).
  func remainingFinitePoint(seen: Set<[Double]>, random: inout SearchRandom) -> Point? {
    guard let size = space.finiteSize else { return nil }
    let limit = min(size, 200_000)
    let offset = random.nextBelow(limit)
    for i in 0..<limit {
      let point = space.finitePoint((offset + i) % limit)
      if !seen.contains(space.key(point)) { return point }
    }
    return nil
  }

  /// The fitted model a suggestion scores candidates with.
  struct Model {
    var process: GaussianProcess
    var standard: Standardisation
    /// The incumbent, standardised.
    var best: Double
    /// The region candidates are drawn from: the unit cube, or the box of the local model.
    var low: [Double]
    var high: [Double]

    init?(engine: OrbitEngine, inputs: [[Double]], y: [Double], pending: [[Double]]) {
      let d = engine.space.count
      let flags = engine.categorical
      let settings = engine.settings
      var x = inputs
      var t = y
      low = Array(repeating: 0, count: d)
      high = Array(repeating: 1, count: d)
      let incumbent = y.indices.min { y[$0] < y[$1] }!
      if y.count > settings.localThreshold {
        // The nearest runs to the incumbent, and candidates inside their bounding box: the
        // model stays O(localSize³) whatever the history's length (a local GP, as TuRBO's
        // trust region).
        let centre = inputs[incumbent]
        let distances = inputs.map { point in
          var sum = 0.0
          for k in 0..<d {
            let delta = flags[k] ? (point[k] == centre[k] ? 0 : 1) : point[k] - centre[k]
            sum += delta * delta
          }
          return sum
        }
        let nearest = Self.smallest(settings.localSize, of: distances)
        x = nearest.map { inputs[$0] }
        t = nearest.map { y[$0] }
        for k in 0..<d where !flags[k] {
          low[k] = x.map { $0[k] }.min()!
          high[k] = x.map { $0[k] }.max()!
        }
      }
      standard = Standardisation(t)
      let z = standard.apply(t)
      best = z.min()!

      // The fit sees at most fitLimit points: the best half, and an even spread of the rest.
      var fitIndices = Array(z.indices)
      if z.count > settings.fitLimit {
        let order = z.indices.sorted { z[$0] < z[$1] }
        let half = settings.fitLimit / 2
        let rest = order.dropFirst(half)
        let stride = Double(rest.count) / Double(settings.fitLimit - half)
        fitIndices =
          Array(order.prefix(half))
          + (0..<(settings.fitLimit - half)).map {
            rest[rest.startIndex + Int(Double($0) * stride)]
          }
      }
      let logD = _log(Double(d))
      let fitSettings = GaussianProcess.FitSettings(
        isotropic: false, fitAmplitude: true, fitNoise: true,
        lengthScaleBounds: 0.005...settings.maxLengthScale,
        amplitudeBounds: 0.05...20, noiseBounds: 1e-6...1,
        lengthScalePrior: settings.lengthScalePrior.map { ($0.mean, $0.sd) }
          ?? (2.0.squareRoot() + 0.5 * logD, 3.0.squareRoot()),
        amplitudePrior: (0, 1), noisePrior: (-4, 1))
      // Start at the prior's median length scale shrunk toward the data (a median of e^1.4 ≈ 4
      // in a unit cube is nearly flat; 0.5·√d starts where the data can pull it either way).
      let startScale = min(
        settings.lengthScalePrior.map { _exp($0.mean) } ?? 0.5 * Double(d).squareRoot(),
        settings.maxLengthScale)
      let start = KernelParameters(
        lengthScales: Array(repeating: startScale, count: d), amplitude: 1, noise: 1e-3)
      let fitX = fitIndices.flatMap { x[$0] }
      let fitY = fitIndices.map { z[$0] }
      let parameters = HyperparameterFit.map(
        inputs: fitX, y: fitY, dimension: d, categorical: flags, kernel: .fiveHalves,
        settings: fitSettings, starts: [start], iterations: settings.fitIterations)
      guard
        var process = GaussianProcess(
          inputs: x.flatMap { $0 }, y: z, dimension: d, categorical: flags, kernel: .fiveHalves,
          parameters: parameters)
      else { return nil }
      if !pending.isEmpty {
        // Kriging believer: each pending run counts as returning the posterior mean, so the
        // variance there collapses and the next suggestion goes elsewhere.
        let fantasies = pending.map { process.predict($0).mean }
        guard
          let withPending = GaussianProcess(
            inputs: (x + pending).flatMap { $0 }, y: z + fantasies, dimension: d,
            categorical: flags, kernel: .fiveHalves, parameters: parameters)
        else { return nil }
        process = withPending
      }
      self.process = process
    }

    func logEI(_ u: [Double]) -> Double {
      let (mean, variance) = process.predict(u)
      return SpecialFunctions.logExpectedImprovement(
        mean: mean, sd: variance.squareRoot(), best: best)
    }

    /// Indices of the k smallest values (ties by index), in index order. A full sort: at
    /// 10,000 values it is well under a millisecond.
    static func smallest(_ k: Int, of values: [Double]) -> [Int] {
      guard values.count > k else { return Array(values.indices) }
      let order = values.indices.sorted { (values[$0], $0) < (values[$1], $1) }
      return order.prefix(k).sorted()
    }
  }
}
