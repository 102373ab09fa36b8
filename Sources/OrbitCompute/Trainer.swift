#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs one whole trial on the calling thread. `progress` is called at each curve point, `point`
/// at each data point (a `wsd` cooldown branch, as it is evaluated); `isCancelled` is polled
/// between steps (the trial then stops with status `.cancelled`).
public func runCoreTrial(
  _ config: CoreTrialConfig, progress: (CurvePoint) -> Void,
  point: (TrialPoint) -> Void = { _ in }, isCancelled: () -> Bool
) -> CoreTrialReport {
  let start = MonotonicClock.now()
  let cpuStart = MonotonicClock.threadCPUNow()
  var report: CoreTrialReport
  if config.task.kind == .noop {
    report = CoreTrialReport(status: .ok, metrics: ["test_loss": 0], curve: [])
  } else {
    OpenBLASCore.pinToOneThread()
    let trainer = Trainer(config: config)
    report = trainer.run(progress: progress, point: point, isCancelled: isCancelled)
  }
  // The trial runs on this thread alone (OpenBLAS pinned to one thread), so its CPU time is its
  // cost whatever else shares the machine; wall time grows with the load.
  report.metrics["cpu_seconds"] = MonotonicClock.threadCPUNow() - cpuStart
  report.metrics["wall_seconds"] = MonotonicClock.now() - start
  return report
}

/// Seconds from a monotonic clock, and the calling thread's CPU time.
enum MonotonicClock {
  static func now() -> Double {
    seconds(of: CLOCK_MONOTONIC)
  }

  /// CPU seconds the calling thread has used (`CLOCK_THREAD_CPUTIME_ID`).
  static func threadCPUNow() -> Double {
    seconds(of: CLOCK_THREAD_CPUTIME_ID)
  }

  private static func seconds(of clock: clockid_t) -> Double {
    var time = timespec()
    clock_gettime(clock, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }
}

/// The state of one trial: data, network, optimiser and every buffer of the training loop, all
/// allocated in `init`; `run` then allocates nothing per step.
final class Trainer {
  let config: CoreTrialConfig
  let data: TaskData
  let network: Network
  let optimizer: Optimizer
  let schedule: LearningRateSchedule
  let batch: Int
  private let batchInputs: FloatBuffer
  private let batchTargets: FloatBuffer
  private let outputGradient: FloatBuffer
  private let bestParameters: FloatBuffer
  private let order: IndexBuffer
  private var orderCursor: Int
  private var batchRandom: RandomSource
  private var augmentRandom: RandomSource
  private let augmentGroup: GroupAction?
  private let augmentScratch: FloatBuffer
  /// Expanded inputs of one evaluation chunk (empty when the task stores its inputs).
  private let evalInputs: FloatBuffer
  private let evalBatch: Int
  /// Where the trunk's state waits while a cooldown branch runs (empty unless the schedule has
  /// branches before its last, which is the run's own end and needs no copy).
  private let trunkParameters: FloatBuffer
  private let trunkOptimizer: OptimizerSnapshot
  private let trunkOrder: IndexBuffer

  init(config: CoreTrialConfig) {
    self.config = config
    let seed = UInt64(bitPattern: Int64(config.seed))
    batch = config.train.batch
    data = TaskData(settings: config.task, seed: seed, freshBatch: batch)
    let symmetrizing = config.model.symmetry == .symmetrize ? data.group : nil
    // A symmetrized network runs |G| rows per sample: keep evaluation chunks to ~16k rows so the
    // buffers stay small (120 copies per sample for sets of 5).
    let groupOrder = symmetrizing?.order ?? 1
    evalBatch = max(1, min(config.train.evalBatch, 16_384 / groupOrder))
    network = Network(
      layers: ModelBuilder.layers(model: config.model, task: config.task),
      inputWidth: data.inputWidth, maxBatch: max(batch, evalBatch),
      symmetrizingGroup: symmetrizing)
    var initRandom = RandomSource(seed: seed, stream: RandomStream.initialization)
    network.initialize(&initRandom, scheme: config.model.initScheme)
    let train = config.train
    optimizer = Optimizer(
      kind: train.optimizer, parameterCount: network.parameterCount, beta1: train.beta1,
      beta2: train.beta2, epsilon: train.epsilon, momentum: train.momentum,
      weightDecay: train.weightDecay)
    schedule = train.learningRateSchedule
    batchInputs = FloatBuffer(count: batch * data.inputWidth)
    batchTargets = FloatBuffer(count: batch)
    outputGradient = FloatBuffer(count: batch)
    // Only early stopping keeps a copy of the best parameters.
    bestParameters = FloatBuffer(count: train.evalEvery > 0 ? network.parameterCount : 0)
    order = IndexBuffer(count: data.train?.count ?? 0)
    orderCursor = order.count  // forces a shuffle before the first batch
    batchRandom = RandomSource(seed: seed, stream: RandomStream.batches)
    augmentRandom = RandomSource(seed: seed, stream: RandomStream.augmentation)
    augmentGroup = config.model.symmetry == .augment ? data.group : nil
    augmentScratch = FloatBuffer(count: data.inputWidth)
    evalInputs = FloatBuffer(count: data.storesInputs ? 0 : evalBatch * data.inputWidth)
    let branching = train.cooldowns.count > 1
    trunkParameters = FloatBuffer(count: branching ? network.parameterCount : 0)
    trunkOptimizer =
      branching
      ? optimizer.makeSnapshot()
      : OptimizerSnapshot(firstMoment: FloatBuffer(count: 0), secondMoment: FloatBuffer(count: 0))
    trunkOrder = IndexBuffer(count: branching ? order.count : 0)
  }

  /// The learning-curve steps: `points` log-spaced steps in [1, steps], always ending at `steps`.
  static func curveSteps(steps: Int, points: Int) -> [Int] {
    guard points > 1 else { return points == 1 ? [steps] : [] }
    var result: [Int] = []
    for index in 0..<points {
      let step = Int(exp(log(Double(steps)) * Double(index) / Double(points - 1)).rounded())
      if result.last != step { result.append(max(1, min(steps, step))) }
    }
    if result.last != steps { result.append(steps) }
    return result
  }

  /// Fills the batch buffers with the next training batch.
  private func nextBatch() {
    let width = data.inputWidth
    if data.settings.fresh || data.train == nil {
      data.drawFresh(count: batch, inputs: batchInputs.pointer, targets: batchTargets.pointer)
      if let group = augmentGroup { augmentInPlace(group) }
      return
    }
    let train = data.train!
    for row in 0..<batch {
      let index: Int
      switch config.train.sampling {
      case .replacement:
        index = batchRandom.below(train.count)
      case .epochs:
        if orderCursor == order.count {
          batchRandom.shuffle(order.elements)
          orderCursor = 0
        }
        index = Int(order.pointer[orderCursor])
        orderCursor += 1
      }
      let source = train.features.pointer + index * train.featureWidth
      let target = batchInputs.pointer + row * width
      if let group = augmentGroup {
        // Augmentation exists only for tasks that store their inputs as they are.
        group.apply(augmentRandom.below(group.order), to: source, into: target)
      } else {
        data.teacher.expand(source, count: 1, into: target)
      }
      batchTargets.pointer[row] = train.targets.pointer[index]
    }
  }

  private func augmentInPlace(_ group: GroupAction) {
    // Fresh samples are i.i.d., so augmenting them only re-draws from the same distribution;
    // done anyway so that `augment` means the same thing everywhere.
    let width = data.inputWidth
    for row in 0..<batch {
      let line = batchInputs.pointer + row * width
      augmentScratch.pointer.update(from: line, count: width)
      group.apply(augmentRandom.below(group.order), to: augmentScratch.pointer, into: line)
    }
  }

  /// One optimiser step at `learningRate` on the next batch; returns the batch loss (no update is
  /// made when it is not finite: the caller stops).
  private func trainStep(learningRate: Double) -> Double {
    nextBatch()
    let output = network.forward(batchInputs.pointer, batch: batch)
    let loss = Loss.meanSquaredError(
      prediction: output, target: batchTargets.pointer, count: batch,
      gradient: outputGradient.pointer)
    guard loss.isFinite else { return loss }
    optimizer.beginStep(learningRate: learningRate)
    network.backward(
      input: batchInputs.pointer, outputGradient: outputGradient.pointer, batch: batch,
      updating: optimizer)
    return loss
  }

  /// How a cooldown branch ended.
  private enum BranchEnd {
    case evaluated(TrialPoint)
    /// A cooldown loss was not finite: no point; the trunk goes on.
    case diverged
    case cancelled
  }

  /// Runs `branch` off the trunk, which has just taken `branch.branchStep` steps: saves the
  /// trunk's whole state (parameters, optimiser, batch order and random streams, FLOP count) in
  /// the buffers allocated with the trial, cools the live network down, evaluates it as a
  /// finished run, and puts the trunk back exactly as it was. The branch thus takes the very
  /// steps a run that stops at this branch takes; `branchFlops` gains its cooldown's FLOPs.
  private func runBranch(
    _ branch: CooldownBranch, isCancelled: () -> Bool, branchFlops: inout Double,
    evaluate evaluated: (() -> TrialPoint) -> TrialPoint
  ) -> BranchEnd {
    trunkParameters.copy(from: network.parameters)
    optimizer.save(into: trunkOptimizer)
    trunkOrder.copy(from: order)
    let trunkCursor = orderCursor
    let trunkBatchRandom = batchRandom
    let trunkAugmentRandom = augmentRandom
    let trunkStreams = data.streamState
    let trunkFlops = network.product.flops
    defer {
      network.parameters.copy(from: trunkParameters)
      optimizer.restore(from: trunkOptimizer)
      order.copy(from: trunkOrder)
      orderCursor = trunkCursor
      batchRandom = trunkBatchRandom
      augmentRandom = trunkAugmentRandom
      data.streamState = trunkStreams
      network.product.flops = trunkFlops
    }
    var lossSum: Double = 0
    for index in 0..<branch.cooldownSteps {
      if isCancelled() { return .cancelled }
      let loss = trainStep(
        learningRate: schedule.cooldownRate(at: index, length: branch.cooldownSteps))
      if !loss.isFinite { return .diverged }
      lossSum += loss
    }
    branchFlops += network.product.flops - trunkFlops
    let point = evaluated {
      pointAfterCooldown(
        branch, flops: network.product.flops,
        freshTrainLoss: lossSum / Double(branch.cooldownSteps))
    }
    return .evaluated(point)
  }

  /// The train loss on the first samples of the training set, as a finished run measures it.
  private static let trainEvalLimit = 4096

  /// The point of the network as it is at the end of `branch`'s cooldown.
  private func pointAfterCooldown(
    _ branch: CooldownBranch, flops: Double, freshTrainLoss: Double
  ) -> TrialPoint {
    TrialPoint(
      nParams: network.parameterCount, samplesSeen: branch.endStep * batch,
      steps: branch.endStep, branchSamples: branch.branchStep * batch, flops: flops,
      trainLoss: data.train.map { evaluate($0, limit: Self.trainEvalLimit) } ?? freshTrainLoss,
      valLoss: evaluate(data.validation), testLoss: evaluate(data.test))
  }

  /// Mean loss of the network on the first `limit` samples of `split`, in chunks.
  func evaluate(_ split: DataSplit, limit: Int = .max) -> Double {
    let count = min(split.count, limit)
    var total: Double = 0
    var start = 0
    while start < count {
      let rows = min(evalBatch, count - start)
      let inputs = data.inputs(split, start: start, count: rows, scratch: evalInputs.pointer)
      let output = network.forward(inputs, batch: rows)
      total +=
        Loss.meanSquaredError(
          prediction: output, target: split.targets.pointer + start, count: rows, gradient: nil)
        * Double(rows)
      start += rows
    }
    return total / Double(count)
  }

  /// Trains, evaluates and reports.
  func run(
    progress: (CurvePoint) -> Void, point: (TrialPoint) -> Void, isCancelled: () -> Bool
  ) -> CoreTrialReport {
    let train = config.train
    let curveSteps = Self.curveSteps(steps: train.steps, points: train.curvePoints)
    var nextCurveIndex = 0
    var curve: [CurvePoint] = []
    curve.reserveCapacity(curveSteps.count)
    var status = CoreTrialStatus.ok
    var bestValidation = Double.infinity
    var bestStep = 0
    var evaluationsSinceBest = 0
    var freshLossSum: Double = 0
    var freshLossCount = 0
    var stepsRun = 0
    var evalFlops: Double = 0
    var divergedStep = -1
    // The train loss is measured on a fixed prefix of the training set: exact up to 4,096
    // samples, an unbiased estimate beyond, at a bounded cost.
    let trainEvalLimit = Self.trainEvalLimit
    let earlyStopping = train.evalEvery > 0
    // wsd: the branches before the last leave the trunk at their step; the last is the run's
    // own tail, cooled down in place.
    let branches = train.cooldowns
    let finalBranch = branches.last
    var nextBranch = 0
    var points: [TrialPoint] = []
    points.reserveCapacity(branches.count)
    var branchFlops: Double = 0
    var divergedBranches = 0
    var finalCooldownLoss: Double = 0

    func measured<T>(_ body: () -> T) -> T {
      let before = network.product.flops
      let value = body()
      evalFlops += network.product.flops - before
      network.product.flops = before
      return value
    }

    // Step 0 is a candidate too: when training only hurts (a tiny n), the untrained network is
    // the best one seen and must be what the trial reports.
    if earlyStopping {
      let validation = measured { evaluate(data.validation) }
      if validation.isFinite {
        bestValidation = validation
        bestParameters.copy(from: network.parameters)
      }
    }

    stepLoop: for step in 0..<train.steps {
      if isCancelled() {
        status = .cancelled
        break
      }
      if nextBranch < branches.count - 1 && branches[nextBranch].branchStep == step {
        let end = runBranch(
          branches[nextBranch], isCancelled: isCancelled, branchFlops: &branchFlops,
          evaluate: measured)
        nextBranch += 1
        switch end {
        case .evaluated(let reached):
          points.append(reached)
          point(reached)
        case .diverged:
          divergedBranches += 1
        case .cancelled:
          status = .cancelled
          break stepLoop
        }
      }
      let rate: Double
      if let last = finalBranch, step >= last.branchStep {
        rate = schedule.cooldownRate(at: step - last.branchStep, length: last.cooldownSteps)
      } else {
        rate = schedule.rate(at: step)
      }
      let loss = trainStep(learningRate: rate)
      if !loss.isFinite {
        status = .diverged
        divergedStep = step + 1
        break
      }
      if let last = finalBranch, step >= last.branchStep { finalCooldownLoss += loss }
      stepsRun = step + 1
      freshLossSum += loss
      freshLossCount += 1

      if earlyStopping && (stepsRun % train.evalEvery == 0 || stepsRun == train.steps) {
        let validation = measured { evaluate(data.validation) }
        if !validation.isFinite {
          status = .diverged
          divergedStep = stepsRun
          break stepLoop
        }
        if validation < bestValidation {
          bestValidation = validation
          bestStep = stepsRun
          bestParameters.copy(from: network.parameters)
          evaluationsSinceBest = 0
        } else {
          evaluationsSinceBest += 1
        }
      }
      if nextCurveIndex < curveSteps.count && curveSteps[nextCurveIndex] == stepsRun {
        nextCurveIndex += 1
        let point = measured {
          CurvePoint(
            step: stepsRun, samplesSeen: stepsRun * batch,
            trainLoss: data.train.map { evaluate($0, limit: trainEvalLimit) }
              ?? freshLossSum / Double(max(freshLossCount, 1)),
            valLoss: evaluate(data.validation), testLoss: evaluate(data.test))
        }
        freshLossSum = 0
        freshLossCount = 0
        curve.append(point)
        progress(point)
      }
      if earlyStopping && train.patience > 0 && evaluationsSinceBest >= train.patience { break }
    }

    var metrics: [String: Double] = [
      "n_params": Double(network.parameterCount),
      "n_params_no_bias": Double(network.parameterCount - network.biasCount),
      "samples_seen": Double(stepsRun * batch),
      "steps": Double(stepsRun),
      "batch": Double(batch),
      "n_train": Double(data.train?.count ?? stepsRun * batch),
      "group_order": Double(data.group?.order ?? 1),
    ]
    if status == .diverged {
      metrics["diverged_step"] = Double(divergedStep)
    } else {
      if earlyStopping && bestValidation.isFinite {
        network.parameters.copy(from: bestParameters)
      } else {
        bestStep = stepsRun
      }
      measured {
        metrics["train_loss"] =
          data.train.map { evaluate($0, limit: trainEvalLimit) } ?? curve.last?.trainLoss
          ?? .nan
        metrics["val_loss"] = evaluate(data.validation)
        metrics["test_loss"] = evaluate(data.test)
      }
      metrics["best_step"] = Double(bestStep)
    }
    if let last = finalBranch, status == .ok {
      // The run's end is its last branch's point, measured as every other branch's.
      let reached = TrialPoint(
        nParams: network.parameterCount, samplesSeen: stepsRun * batch, steps: stepsRun,
        branchSamples: last.branchStep * batch, flops: network.product.flops,
        trainLoss: data.train == nil
          ? finalCooldownLoss / Double(last.cooldownSteps) : metrics["train_loss"]!,
        valLoss: metrics["val_loss"]!, testLoss: metrics["test_loss"]!)
      if data.train == nil { metrics["train_loss"] = reached.trainLoss }
      points.append(reached)
      point(reached)
    }
    // The trial's FLOPs are its result's: the trunk and the last cooldown, as a separate run to
    // that point; the other branches' cooldowns are counted apart.
    metrics["flops"] = network.product.flops
    metrics["eval_flops"] = evalFlops
    if finalBranch != nil {
      metrics["branch_flops"] = branchFlops
      metrics["points"] = Double(points.count)
      if divergedBranches > 0 { metrics["diverged_branches"] = Double(divergedBranches) }
    }
    return CoreTrialReport(status: status, metrics: metrics, curve: curve, points: points)
  }
}
