import Testing

@testable import OrbitSpec

/// `method: bayes` as W&B writes it (issue 27, item 1), with Orbit's `bayes:` block.
struct BayesSpecTests {
  /// A W&B bayes sweep with every distribution W&B has, nested parameters and hyperband.
  static let wandbFile = """
    program: train.py
    method: bayes
    metric: {name: val_loss, goal: minimize, impute: 10, target: 0.01, impute_while_running: false}
    run_cap: 40
    early_terminate: {type: hyperband, min_iter: 3}
    parameters:
      optimizer:
        parameters:
          lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
          momentum: {distribution: beta, a: 2, b: 5}
      c: {value: 7}
      cat: {values: [a, b, c]}
      catp: {distribution: categorical_w_probabilities, values: [x, y], probabilities: [0.3, 0.7]}
      iu: {min: 1, max: 8}
      u: {min: 0.0, max: 1.0}
      qu: {distribution: q_uniform, min: 0, max: 10, q: 2}
      lu: {distribution: log_uniform, min: -5, max: 0}
      ilu: {distribution: inv_log_uniform, min: 0, max: 3}
      iluv: {distribution: inv_log_uniform_values, min: 0.01, max: 1}
      qlu: {distribution: q_log_uniform, min: 0, max: 4, q: 1}
      qluv: {distribution: q_log_uniform_values, min: 1, max: 256, q: 8}
      n: {distribution: normal, mu: 0, sigma: 2}
      qn: {distribution: q_normal, mu: 0, sigma: 2, q: 0.5}
      ln: {distribution: log_normal, mu: 0, sigma: 1}
      qln: {distribution: q_log_normal, mu: 1, sigma: 1, q: 1}
      qb: {distribution: q_beta, a: 1, b: 1, q: 0.25}
    """

  @Test func wandbBayesFileLoads() throws {
    let spec = try Spec.parse(yaml: Self.wandbFile, fileName: "sweep.yaml")
    #expect(spec.method == .bayes)
    #expect(spec.method.isAdaptive)
    #expect(
      spec.metric == Metric(name: "val_loss", goal: .minimize, target: 0.01, impute: 10))
    #expect(spec.runCap == 40)
    #expect(spec.earlyTermination != nil)
    #expect(spec.bayes == BayesSettings(engine: .orbit, seed: 0, warmStart: []))
    // The plan holds the cold-start random draws, run_cap of them.
    #expect(spec.trialCount == 40)
    #expect(spec.parameterNames.contains("optimizer.lr"))
    for trial in spec.trials {
      guard case .double(let lr) = trial.params["optimizer.lr"] else {
        Issue.record("lr is not a float")
        return
      }
      #expect(lr >= 0.0001 && lr <= 0.1)
    }
    // Planning works; running says what to do instead.
    #expect(spec.runProblem?.contains("method: random") == true)
  }

  @Test func bayesBlockAndPreviewWithoutRunCap() throws {
    let spec = try Spec.parse(
      yaml: """
        method: bayes
        program: t.py
        seed: 5
        metric: {name: acc, goal: maximize}
        bayes: {engine: wandb, seed: 11, warm_start: [runs/a, runs/b]}
        parameters:
          x: {min: 0.0, max: 1.0}
        """, fileName: "s.yaml")
    #expect(spec.bayes == BayesSettings(engine: .wandb, seed: 11, warmStart: ["runs/a", "runs/b"]))
    #expect(spec.runCap == nil)
    #expect(spec.trialCount == Spec.bayesPreviewPoints)
  }

  @Test func topLevelSeedSeedsTheSearch() throws {
    let spec = try Spec.parse(
      yaml: """
        method: bayes
        program: t.py
        seed: 5
        metric: {name: acc}
        parameters:
          x: {min: 0.0, max: 1.0}
        """, fileName: "s.yaml")
    #expect(spec.bayes?.seed == 5)
    #expect(spec.bayes?.engine == .orbit)
  }

  @Test func randomStillNeedsRunCapAndGridIgnoresBayes() throws {
    #expect(throws: SpecError.self) {
      try Spec.parse(
        yaml: "method: random\nprogram: t.py\nparameters:\n  x: {min: 0.0, max: 1.0}\n",
        fileName: "s.yaml")
    }
    let grid = try Spec.parse(
      yaml: "method: grid\nprogram: t.py\nparameters:\n  x: {values: [1, 2]}\n", fileName: "s.yaml")
    #expect(grid.bayes == nil)
    #expect(grid.runProblem == nil)
  }
}
