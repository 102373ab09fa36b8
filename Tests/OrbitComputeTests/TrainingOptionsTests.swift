import Testing

@testable import OrbitCompute

/// Early stopping, fresh data, optimisers and every model kind through whole trials.
struct TrainingOptionsTests {
  @Test func earlyStoppingStopsAndReportsTheBestValidationStep() throws {
    let config = try TrialTests.config([
      "task.n_train": .int(32), "train.steps": .int(3000), "train.eval_every": .int(25),
      "train.patience": .int(4), "train.lr": .double(1e-2), "model.width": .int(64),
    ])
    let report = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
    #expect(report.status == .ok)
    let steps = report.metrics["steps"]!
    let best = report.metrics["best_step"]!
    // 32 points and a wide net over-fit fast: training stops long before 3,000 steps, exactly
    // `patience` evaluations after the best one.
    #expect(steps < 3000)
    #expect(best == steps - 4 * 25)
    #expect(best.truncatingRemainder(dividingBy: 25) == 0)
    // The reported losses are those of the parameters at the best step: a run of exactly
    // best_step steps without early stopping (same batches, constant rate) ends there.
    let rerun = try TrialTests.config([
      "task.n_train": .int(32), "train.steps": .int(Int(best)), "train.lr": .double(1e-2),
      "model.width": .int(64),
    ])
    let plain = runCoreTrial(rerun, progress: { _ in }, isCancelled: { false })
    #expect(plain.metrics["val_loss"] == report.metrics["val_loss"])
    #expect(plain.metrics["test_loss"] == report.metrics["test_loss"])
  }

  @Test func earlyStoppingKeepsTheInitialNetworkWhenTrainingOnlyHurts() throws {
    // 64 samples of the flagship's cyclic task (teacher 1): the plain MLP over-fits so fast that
    // its validation loss at steps 200, 400, … is worse than the untrained network's.
    let config = try TrialTests.config([
      "task.kind": .string("cyclic"), "task.n_train": .int(64), "task.teacher_seed": .int(1),
      "task.n_val": .int(2048), "task.n_test": .int(2048), "model.width": .int(64),
      "train.steps": .int(6000), "train.batch": .int(128), "train.lr": .double(1e-3),
      "train.schedule": .string("cosine"), "train.eval_every": .int(200),
      "train.patience": .int(5), "seed": .int(0),
    ])
    let untrained = Trainer(config: config)
    let initialValidation = untrained.evaluate(untrained.data.validation)
    let initialTest = untrained.evaluate(untrained.data.test)
    let report = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
    #expect(report.status == .ok)
    #expect(report.metrics["best_step"] == 0)
    // `patience` evaluations after step 0, then the initial parameters come back.
    #expect(report.metrics["steps"] == 1000)
    #expect(report.metrics["val_loss"] == initialValidation)
    #expect(report.metrics["test_loss"] == initialTest)
  }

  @Test func freshSamplesCountWhatWasSeen() throws {
    let config = try TrialTests.config([
      "task.fresh": .bool(true), "train.steps": .int(200), "train.batch": .int(32),
    ])
    let report = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
    #expect(report.status == .ok)
    #expect(report.metrics["n_train"] == 6400)
    #expect(report.metrics["samples_seen"] == 6400)
    #expect(report.metrics["test_loss"]! < 0.9)
  }

  @Test(arguments: [
    ["train.optimizer": CoreValue.string("sgd"), "train.lr": .double(0.05)],
    ["train.optimizer": .string("adamw"), "train.weight_decay": .double(0.01)],
    ["train.schedule": .string("cosine"), "train.warmup": .double(0.1)],
    ["model.init": .string("he"), "model.activation": .string("gelu")],
  ])
  func optimizersSchedulesAndInitsTrain(extra: [String: CoreValue]) throws {
    let report = runCoreTrial(
      try TrialTests.config(extra), progress: { _ in }, isCancelled: { false })
    #expect(report.status == .ok, "\(extra)")
    #expect(report.metrics["test_loss"] ?? .infinity < 0.5, "\(extra)")
  }

  @Test(arguments: [
    [
      "task.kind": CoreValue.string("cyclic"), "model.kind": .string("conv1d"),
      "model.channels": .int(16),
    ],
    ["task.kind": .string("cyclic"), "model.symmetry": .string("augment")],
    ["task.kind": .string("cyclic"), "model.symmetry": .string("symmetrize")],
    ["task.kind": .string("permutation"), "model.kind": .string("deepsets")],
    ["task.kind": .string("permutation"), "model.symmetry": .string("symmetrize")],
    [
      "task.kind": .string("permutation"), "model.symmetry": .string("augment"),
      "task.fresh": .bool(true), "train.batch": .int(16),
    ],
  ])
  func everyModelKindLearnsItsTask(extra: [String: CoreValue]) throws {
    var parameters = extra
    parameters["train.steps"] = .int(400)
    parameters["task.n_train"] = .int(1024)
    let report = runCoreTrial(
      try TrialTests.config(parameters), progress: { _ in }, isCancelled: { false })
    #expect(report.status == .ok)
    // A unit-variance target: predicting the mean scores 1.
    #expect(report.metrics["test_loss"] ?? .infinity < 0.8, "\(extra)")
    let order = report.metrics["group_order"]!
    #expect(order == (extra["task.kind"] == .string("cyclic") ? 16 : 120))
  }
}

/// Updating each layer during the backward pass (as trials and the step benchmark do) is the
/// same update as one pass over all parameters after it.
struct LayerwiseUpdateTests {
  @Test(arguments: [OptimizerKind.adam, .adamw, .sgd])
  func updatingDuringBackwardMatchesOnePassAfterIt(kind: OptimizerKind) throws {
    let config = try TrialTests.config(["model.width": .int(48), "model.depth": .int(3)])
    let batch = 16
    let data = TaskData(settings: config.task, seed: 5, freshBatch: batch)
    let scratch = FloatBuffer(count: batch * data.inputWidth)
    let gradient = FloatBuffer(count: batch)
    var finalParameters: [[Float]] = []
    for layerwise in [false, true] {
      let network = Network(
        layers: ModelBuilder.layers(model: config.model, task: config.task),
        inputWidth: data.inputWidth, maxBatch: batch)
      var random = RandomSource(seed: 9)
      network.initialize(&random, scheme: .pytorch)
      let optimizer = Optimizer(
        kind: kind, parameterCount: network.parameterCount, weightDecay: 0.01)
      for step in 0..<5 {
        let x = data.inputs(
          data.validation, start: step * batch, count: batch, scratch: scratch.pointer)
        let output = network.forward(x, batch: batch)
        _ = Loss.meanSquaredError(
          prediction: output, target: data.validation.targets.pointer + step * batch,
          count: batch, gradient: gradient.pointer)
        if layerwise {
          optimizer.beginStep(learningRate: 1e-2)
          network.backward(
            input: x, outputGradient: gradient.pointer, batch: batch, updating: optimizer)
        } else {
          network.backward(input: x, outputGradient: gradient.pointer, batch: batch)
          optimizer.step(
            parameters: network.parameters, gradients: network.gradients, learningRate: 1e-2)
        }
      }
      finalParameters.append(network.parameters.array)
    }
    // 32→48→48→48→1: every layer but the last has a multiple of 16 parameters, so both ways
    // run the same vector and scalar code on every element: the same bits.
    #expect(finalParameters[0] == finalParameters[1])
    #expect(finalParameters[0].count == 32 * 48 + 48 + 2 * (48 * 48 + 48) + 49)
  }
}
