import Testing

@testable import OrbitSearch

/// The wandb engine against wandb's own (PyPI `sweeps` 0.2.0) on recorded Branin histories
/// (WandbEngineGoldenValues.swift, from golden/wandb_engine.py): the same normalised inputs and
/// imputed targets, the same length-scale fit, and an expected improvement at its pick close to
/// wandb's (the 1,000 candidates are random draws, so the values are compared, not the points).
struct WandbEngineGoldenTests {
  static let space = SearchSpace([
    SearchDimension(name: "x1", prior: .uniform(min: -5, max: 10)),
    SearchDimension(name: "x2", prior: .uniform(min: 0, max: 15)),
  ])

  static func branin(_ p: [Double]) -> Double {
    let b = 5.1 / (4 * Double.pi * Double.pi)
    let c = 5 / Double.pi
    let t = 1 / (8 * Double.pi)
    let u = p[1] - b * p[0] * p[0] + c * p[0] - 6
    return u * u + 10 * (1 - t) * _cos(p[0]) + 10
  }

  @Test(arguments: WandbEngineGolden.histories.indices) func matchesWandb(_ index: Int) {
    let golden = WandbEngineGolden.histories[index]
    let objective = Objective()
    // The same curves the script logged: v + 5, v, v + 1; failed runs logged nothing.
    var history = golden.finished.map { p in
      let v = Self.branin(p)
      return Observation(point: p, curve: [v + 5, v, v + 1], failed: false, objective: objective)
    }
    history += golden.failed.map {
      Observation(point: $0, curve: [], failed: true, objective: objective)
    }
    let engine = WandbEngine(space: Self.space, objective: objective)
    var eis: [Double] = []
    var trace: WandbEngine.Trace?
    for seed in 0..<9 {
      var random = SearchRandom(seed: Int64(seed))
      let result = engine.suggestWithTrace(
        history: history, pending: golden.running, random: &random)
      trace = result.trace
      if let ei = result.suggestion.acquisition { eis.append(ei) }
      #expect((result.suggestion.source == .random) == result.trace.atBound)
    }
    let t = trace!
    #expect(t.inputs.count == golden.sampleX.count)
    for (mine, theirs) in zip(t.inputs, golden.sampleX) {
      for (a, b) in zip(mine, theirs) { #expect(abs(a - b) < 1e-12) }
    }
    #expect(t.targets.count == golden.sampleY.count)
    for (a, b) in zip(t.targets, golden.sampleY) { #expect(abs(a - b) < 1e-9 * max(1, abs(b))) }
    let wandbAtBound = golden.lengthScale < 1.0001e-5 || golden.lengthScale > 0.9999e5
    #expect(
      t.atBound == wandbAtBound, "length scale \(t.lengthScale ?? .nan) vs \(golden.lengthScale)")
    guard !wandbAtBound, let scale = t.lengthScale else { return }
    #expect(
      abs(scale / golden.lengthScale - 1) < 0.02, "length scale \(scale) vs \(golden.lengthScale)")
    let ours = eis.sorted()[eis.count / 2]
    let theirs = golden.expectedImprovements.sorted()[golden.expectedImprovements.count / 2]
    #expect(abs(ours / theirs - 1) < 0.1, "median EI at the pick \(ours) vs wandb's \(theirs)")
  }
}
