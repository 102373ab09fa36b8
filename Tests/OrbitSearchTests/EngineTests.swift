import Testing

@testable import OrbitSearch

/// Both engines on known functions, in-process: determinism, cold start, parallel suggestions
/// that do not repeat, and that the model finds a known optimum.
struct EngineTests {
  static let branin = SearchSpace([
    SearchDimension(name: "x1", prior: .uniform(min: -5, max: 10)),
    SearchDimension(name: "x2", prior: .uniform(min: 0, max: 15)),
  ])

  /// Branin-Hoo; global minimum 0.397887 at three points.
  static func branin(_ p: Point) -> Double {
    let (x1, x2) = (p[0], p[1])
    let b = 5.1 / (4 * Double.pi * Double.pi)
    let c = 5 / Double.pi
    let t = 1 / (8 * Double.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) * (x2 - b * x1 * x1 + c * x1 - 6)
      + 10 * (1 - t) * _cos(x1) + 10
  }

  /// Runs `runs` sequential trials (one worker) and returns the observations.
  static func run<E: SearchEngine>(_ engine: E, runs: Int, seed: Int64, f: (Point) -> Double)
    -> [Observation]
  {
    var engine = engine
    var random = SearchRandom(seed: seed)
    var history: [Observation] = []
    for _ in 0..<runs {
      guard let s = engine.suggest(history: history, pending: [], random: &random) else { break }
      history.append(Observation(point: s.point, outcome: .finished(f(s.point))))
    }
    return history
  }

  @Test func orbitFindsBraninsMinimum() {
    let engine = OrbitEngine(space: Self.branin, objective: Objective(), seed: 1)
    let history = Self.run(engine, runs: 30, seed: 1, f: Self.branin)
    let best = history.compactMap { if case .finished(let v) = $0.outcome { v } else { nil } }
      .min()!
    #expect(best - 0.397887 < 0.05, "best \(best)")
  }

  @Test func wandbImprovesOnItsColdStart() {
    let engine = WandbEngine(space: Self.branin, objective: Objective())
    let history = Self.run(engine, runs: 30, seed: 2, f: Self.branin)
    let values = history.compactMap { if case .finished(let v) = $0.outcome { v } else { nil } }
    #expect(values.min()! < 3, "best \(values.min()!)")
  }

  @Test func sameSeedSameSuggestions() {
    for seed in [Int64(4), 5] {
      let a = Self.run(
        OrbitEngine(space: Self.branin, objective: Objective(), seed: seed), runs: 12, seed: seed,
        f: Self.branin)
      let b = Self.run(
        OrbitEngine(space: Self.branin, objective: Objective(), seed: seed), runs: 12, seed: seed,
        f: Self.branin)
      #expect(a == b)
      let c = Self.run(
        WandbEngine(space: Self.branin, objective: Objective()), runs: 6, seed: seed, f: Self.branin
      )
      let d = Self.run(
        WandbEngine(space: Self.branin, objective: Objective()), runs: 6, seed: seed, f: Self.branin
      )
      #expect(c == d)
    }
  }

  @Test func wandbIsRandomUntilTwoRunsHaveAScore() {
    var engine = WandbEngine(space: Self.branin, objective: Objective())
    var random = SearchRandom(seed: 3)
    let failed = Observation(point: [0, 0], outcome: .failed)
    // A failure with nothing to impute from has no score.
    let s0 = engine.suggest(history: [failed], pending: [], random: &random)!
    #expect(s0.source == .random)
    let one = Observation(point: [1, 1], outcome: .finished(5))
    #expect(engine.suggest(history: [one], pending: [], random: &random)!.source == .random)
    let two = Observation(point: [9, 14], outcome: .finished(50))
    let s2 = engine.suggest(history: [one, two, failed], pending: [], random: &random)!
    // The failure is imputed at the worst score (50).
    let trace = engine.suggestWithTrace(history: [one, two, failed], pending: [], random: &random)
      .trace
    #expect(trace.targets == [5, 50, 50])
    #expect(trace.inputs[0] == Self.branin.unit([1, 1]))
    _ = s2
  }

  @Test func imputeAndMaximise() {
    let objective = Objective(maximize: true, impute: -1)
    let history = [
      Observation(point: [0], outcome: .finished(3)), Observation(point: [0], outcome: .failed),
    ]
    #expect(objective.minimisationTargets(history) == [-3, 1])
    #expect(Objective(maximize: true).score(curve: [0.1, 0.9, 0.5, .nan]) == 0.9)
    #expect(Objective().score(curve: [3, 1, 2]) == 1)
  }

  @Test func parallelWorkersDoNotRepeatInAFiniteSpace() {
    // 3 × 4 × 5 = 60 configurations, 16 workers, until the space is exhausted.
    let space = SearchSpace([
      SearchDimension(name: "opt", prior: .categorical(count: 3)),
      SearchDimension(name: "layers", prior: .intUniform(min: 1, max: 4)),
      SearchDimension(name: "lr", prior: .qLogUniformValues(min: 1, max: 16, q: 4)),
    ])
    let size = space.finiteSize!
    var engine = OrbitEngine(space: space, objective: Objective(), seed: 7)
    var random = SearchRandom(seed: 7)
    var history: [Observation] = []
    var pending: [Point] = []
    var seen = Set<[Double]>()
    func f(_ p: Point) -> Double { p[0] * 0.3 + _cos(p[1]) + p[2] / 16 }
    while history.count < size {
      while pending.count < 16,
        let s = engine.suggest(history: history, pending: pending, random: &random)
      {
        #expect(seen.insert(space.key(s.point)).inserted, "repeated \(s.point)")
        pending.append(s.point)
      }
      guard !pending.isEmpty else { break }
      let done = pending.removeFirst()
      history.append(Observation(point: done, outcome: .finished(f(done))))
    }
    #expect(seen.count == size)
    #expect(engine.suggest(history: history, pending: [], random: &random) == nil)
  }

  @Test func pendingPointsPushTheNextSuggestionAway() {
    var engine = OrbitEngine(space: Self.branin, objective: Objective(), seed: 11)
    var random = SearchRandom(seed: 11)
    let history = Self.run(engine, runs: 12, seed: 11, f: Self.branin)
    var copy = random
    let first = engine.suggest(history: history, pending: [], random: &copy)!
    let second = engine.suggest(history: history, pending: [first.point], random: &random)!
    let a = Self.branin.unit(first.point)
    let b = Self.branin.unit(second.point)
    let distance = ((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1])).squareRoot()
    #expect(distance > 0.01)
  }

  @Test func largeHistoryUsesTheLocalModel() {
    var random = SearchRandom(seed: 5)
    var history: [Observation] = []
    for _ in 0..<600 {
      let p = Self.branin.point([random.nextUnit(), random.nextUnit()])
      history.append(Observation(point: p, outcome: .finished(Self.branin(p))))
    }
    var engine = OrbitEngine(space: Self.branin, objective: Objective(), seed: 5)
    let s = engine.suggest(history: history, pending: [], random: &random)!
    #expect(s.source == .model)
    // The local model searches near the incumbent: the suggestion is a good point.
    #expect(Self.branin(s.point) < 5)
  }
}
