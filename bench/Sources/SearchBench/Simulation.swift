import OrbitSearch

/// Which search proposes the trials.
enum EngineKind: String, CaseIterable, Sendable {
  case random
  case wandb
  case orbit
}

/// One simulated sweep: `workers` parallel trials whose durations vary (uniform 0.5…1.5, from
/// a stream of their own), the engine suggesting a trial whenever a worker is free with every
/// unfinished trial as pending; returns the values in the order results came back.
func simulate(
  problem: Problem, engine kind: EngineKind, workers: Int, budget: Int, seed: Int64,
  settings: OrbitEngine.Settings = OrbitEngine.Settings()
) -> [Double] {
  var random = SearchRandom(seed: seed, stream: 1)
  var clock = SearchRandom(seed: seed, stream: 2)
  let objective = Objective()
  var orbit = OrbitEngine(
    space: problem.space, objective: objective, seed: seed, settings: settings)
  var wandb = WandbEngine(space: problem.space, objective: objective)
  var history: [Observation] = []
  var running: [(point: Point, finish: Double)] = []
  var now = 0.0
  var suggested = 0
  var values: [Double] = []
  func next() -> Point? {
    let pending = running.map(\.point)
    switch kind {
    case .random:
      return problem.space.point((0..<problem.space.count).map { _ in random.nextUnit() })
    case .wandb: return wandb.suggest(history: history, pending: pending, random: &random)?.point
    case .orbit: return orbit.suggest(history: history, pending: pending, random: &random)?.point
    }
  }
  while values.count < budget {
    while running.count < workers, suggested < budget, let point = next() {
      running.append((point, now + 0.5 + clock.nextUnit()))
      suggested += 1
    }
    guard let first = running.indices.min(by: { running[$0].finish < running[$1].finish }) else {
      break
    }
    let done = running.remove(at: first)
    now = done.finish
    let value = problem.evaluate(done.point)
    values.append(value)
    history.append(Observation(point: done.point, outcome: .finished(value)))
  }
  return values
}
