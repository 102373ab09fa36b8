/// Which synthetic task a trial learns.
public enum TaskKind: String, Sendable, CaseIterable {
  case manifold
  case cyclic
  case permutation
  case noop
}

/// The task's settings (keys `task.*`).
public struct TaskSettings: Sendable {
  public var kind: TaskKind
  public var trainCount: Int
  public var fresh: Bool
  public var validationCount: Int
  public var testCount: Int
  public var inputDimension: Int
  public var intrinsicDimension: Int
  public var length: Int
  public var setSize: Int
  public var elementDimension: Int
  public var teacherWidth: Int
  public var teacherWeightScale: Double
  public var teacherBiasScale: Double
  public var noise: Double
  /// Seed of the teacher and of the target's normalisation: the task itself. Fixed (0) unless
  /// set, so the trial seed varies data, init and batches but not the function learned.
  public var teacherSeed: Int

  init(_ reader: ParameterReader) throws(CoreConfigError) {
    kind = try reader.choice("task.kind", default: .manifold)
    trainCount = try reader.int("task.n_train", default: 1024, minimum: 1)
    fresh = try reader.bool("task.fresh", default: false)
    validationCount = try reader.int("task.n_val", default: 1024, minimum: 1)
    testCount = try reader.int("task.n_test", default: 4096, minimum: 1)
    inputDimension = try reader.int("task.input_dim", default: 32, minimum: 1)
    intrinsicDimension = try reader.int("task.intrinsic_dim", default: 4, minimum: 1)
    length = try reader.int("task.length", default: 16, minimum: 2)
    setSize = try reader.int("task.set_size", default: 5, minimum: 1)
    elementDimension = try reader.int("task.element_dim", default: 4, minimum: 1)
    teacherWidth = try reader.int("task.teacher_width", default: 64, minimum: 1)
    teacherWeightScale = try reader.double("task.teacher_weight_scale", default: 1)
    teacherBiasScale = try reader.double("task.teacher_bias_scale", default: 0.5)
    noise = try reader.double("task.noise", default: 0)
    teacherSeed = try reader.int("task.teacher_seed", default: 0, minimum: Int.min)
    if kind == .manifold && intrinsicDimension > inputDimension {
      throw CoreConfigError(
        key: "task.intrinsic_dim",
        message: "task.intrinsic_dim must be ≤ task.input_dim (\(inputDimension)), "
          + "got \(intrinsicDimension)")
    }
    if kind == .permutation && setSize > 7 {
      throw CoreConfigError(
        key: "task.set_size",
        message: "task.set_size must be ≤ 7 (the group has k! elements), got \(setSize)")
    }
  }

  /// Floats per input sample.
  public var inputWidth: Int {
    switch kind {
    case .manifold, .noop: return inputDimension
    case .cyclic: return length
    case .permutation: return setSize * elementDimension
    }
  }
}

/// The student's architecture.
public enum ModelKind: String, Sendable, CaseIterable {
  case mlp
  case conv1d
  case deepsets
}

/// How the task's symmetry group enters the model.
public enum SymmetryMode: String, Sendable, CaseIterable {
  /// Not at all.
  case none
  /// A random group element applied to each training sample.
  case augment
  /// The network averaged over the whole group (invariant by construction).
  case symmetrize
}

/// Pooling of a DeepSets model.
public enum SetPooling: String, Sendable, CaseIterable {
  case sum
  case mean
}

/// The model's settings (keys `model.*`).
public struct ModelSettings: Sendable {
  public var kind: ModelKind
  public var width: Int
  public var depth: Int
  public var rhoDepth: Int
  public var channels: Int
  public var kernel: Int
  public var pooling: SetPooling
  var activation: Activation
  var initScheme: InitScheme
  public var symmetry: SymmetryMode

  init(_ reader: ParameterReader, task: TaskSettings) throws(CoreConfigError) {
    kind = try reader.choice("model.kind", default: .mlp)
    width = try reader.int("model.width", default: 64, minimum: 1)
    depth = try reader.int("model.depth", default: 2, minimum: kind == .mlp ? 0 : 1)
    rhoDepth = try reader.int("model.rho_depth", default: 1, minimum: 0)
    channels = try reader.int("model.channels", default: 16, minimum: 1)
    kernel = try reader.int("model.kernel", default: 5, minimum: 1)
    pooling = try reader.choice("model.pooling", default: .mean)
    activation = try reader.choice("model.activation", default: .relu)
    initScheme = try reader.choice("model.init", default: .pytorch)
    symmetry = try reader.choice("model.symmetry", default: .none)
    if kernel % 2 == 0 {
      throw CoreConfigError(key: "model.kernel", message: "model.kernel must be odd, got \(kernel)")
    }
    if kind == .deepsets && task.kind != .permutation {
      throw CoreConfigError(
        key: "model.kind",
        message: "model.kind deepsets needs task.kind permutation, got \(task.kind.rawValue)")
    }
    if symmetry != .none && !(task.kind == .cyclic || task.kind == .permutation) {
      throw CoreConfigError(
        key: "model.symmetry",
        message: "model.symmetry \(symmetry.rawValue) needs task.kind cyclic or permutation, "
          + "got \(task.kind.rawValue); use none")
    }
  }
}

/// Where a trial's training batches come from.
public enum SamplingMode: String, Sendable, CaseIterable {
  /// Seeded shuffled epochs through the training set.
  case epochs
  /// Each batch drawn uniformly with replacement.
  case replacement
}

/// Optimisation, schedule and evaluation settings (keys `train.*`).
public struct TrainSettings: Sendable {
  public var steps: Int
  public var batch: Int
  public var sampling: SamplingMode
  var optimizer: OptimizerKind
  public var learningRate: Double
  public var learningRateFloor: Double
  var schedule: LearningRateSchedule.Shape
  public var warmupSteps: Int
  public var weightDecay: Double
  public var momentum: Double
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var evalEvery: Int
  public var patience: Int
  public var curvePoints: Int
  public var evalBatch: Int
  /// The cooldown branches of a `wsd` schedule, in order (empty for other schedules). The last
  /// one ends the run: its model is the trial's result.
  public var cooldowns: [CooldownBranch]
  /// A cooldown's length as a fraction of its branch point.
  public var cooldownFraction: Double
  public var cooldownShape: CooldownShape

  /// Keys that only a `wsd` schedule reads.
  static let wsdKeys = ["train.cooldowns", "train.cooldown_fraction", "train.cooldown_shape"]

  init(_ reader: ParameterReader, task: TaskSettings) throws(CoreConfigError) {
    let requestedSteps = try reader.int("train.steps", default: 1000, minimum: 1)
    let requestedBatch = try reader.int("train.batch", default: 128, minimum: 1)
    batch = task.fresh ? requestedBatch : min(requestedBatch, task.trainCount)
    sampling = try reader.choice("train.sampling", default: .epochs)
    optimizer = try reader.choice("train.optimizer", default: .adam)
    learningRate = try reader.double("train.lr", default: 1e-3, minimum: 0, inclusive: false)
    learningRateFloor = try reader.double("train.lr_floor", default: 0)
    schedule = try reader.choice("train.schedule", default: .constant)
    let warmup = try reader.double("train.warmup", default: 0)
    cooldownFraction = try reader.double(
      "train.cooldown_fraction", default: 0.2, minimum: 0, inclusive: false, maximum: 1)
    cooldownShape = try reader.choice("train.cooldown_shape", default: .oneMinusSqrt)
    if schedule == .wsd {
      // A fraction would tie the warm-up to where the run ends, so a branch would no longer
      // equal a separate run that stops at it.
      if warmup > 0 && warmup < 1 {
        throw CoreConfigError(
          key: "train.warmup",
          message: "train.warmup must be a step count (≥ 1, or 0) with train.schedule wsd, got "
            + "\(warmup): a fraction of the run would make the trunk depend on where it ends")
      }
      warmupSteps = Int(warmup)
      cooldowns = try Self.branches(
        try reader.intList("train.cooldowns", minimum: 1), batch: batch,
        fraction: cooldownFraction, warmupSteps: warmupSteps)
      let end = cooldowns.last!.endStep
      if reader.parameters["train.steps"] != nil && requestedSteps != end {
        throw CoreConfigError(
          key: "train.steps",
          message: "train.steps must be \(end) with train.schedule wsd (the last cooldown ends "
            + "there: \(cooldowns.last!.branchStep) + \(cooldowns.last!.cooldownSteps) steps of "
            + "batch \(batch)), got \(requestedSteps); or leave it out")
      }
      steps = end
    } else {
      for key in Self.wsdKeys where reader.parameters[key] != nil {
        throw CoreConfigError(
          key: key,
          message: "\(key) needs train.schedule: wsd, got train.schedule \(schedule.rawValue)")
      }
      steps = requestedSteps
      warmupSteps = warmup < 1 ? Int((warmup * Double(steps)).rounded()) : Int(warmup)
      cooldowns = []
    }
    weightDecay = try reader.double("train.weight_decay", default: 0)
    momentum = try reader.double("train.momentum", default: 0.9, maximum: 1)
    beta1 = try reader.double("train.beta1", default: 0.9, maximum: 1)
    beta2 = try reader.double("train.beta2", default: 0.999, maximum: 1)
    epsilon = try reader.double("train.eps", default: 1e-8)
    evalEvery = try reader.int("train.eval_every", default: 0)
    patience = try reader.int("train.patience", default: 0)
    curvePoints = try reader.int("train.curve_points", default: 20)
    evalBatch = try reader.int("train.eval_batch", default: 256, minimum: 1)
    if learningRateFloor > learningRate {
      throw CoreConfigError(
        key: "train.lr_floor",
        message: "train.lr_floor must be ≤ train.lr (\(learningRate)), got \(learningRateFloor)")
    }
    if patience > 0 && evalEvery == 0 {
      throw CoreConfigError(
        key: "train.patience",
        message: "train.patience needs train.eval_every > 0 (how often to check), got 0")
    }
    if schedule == .wsd && evalEvery > 0 {
      throw CoreConfigError(
        key: "train.eval_every",
        message: "train.eval_every must be 0 with train.schedule wsd, got \(evalEvery): each "
          + "branch is evaluated at the end of its cooldown, and early stopping would pick a "
          + "trunk model that was never cooled down")
    }
  }

  /// The branches of `train.cooldowns` (samples, rising) for batches of `batch`: each branch
  /// point rounded to whole steps, each cooldown `fraction` of its branch point (≥ 1 step).
  static func branches(
    _ samples: [Int]?, batch: Int, fraction: Double, warmupSteps: Int
  ) throws(CoreConfigError) -> [CooldownBranch] {
    let key = "train.cooldowns"
    guard let samples, !samples.isEmpty else {
      throw CoreConfigError(
        key: key,
        message: "train.schedule wsd needs \(key): the sample counts at which a branch cools "
          + "down, e.g. [8192, 16384, 24576]; the last one ends the run")
    }
    var result: [CooldownBranch] = []
    for value in samples {
      let branchStep = max(1, Int((Double(value) / Double(batch)).rounded()))
      if let previous = result.last, branchStep <= previous.branchStep {
        throw CoreConfigError(
          key: key,
          message: "\(key) must rise by at least one step of batch \(batch) each, got "
            + "\(previous.requestedSamples) then \(value)")
      }
      if branchStep < warmupSteps {
        throw CoreConfigError(
          key: key,
          message: "\(key): the branch at \(value) samples (step \(branchStep)) lies inside the "
            + "warm-up of \(warmupSteps) steps; branch after it")
      }
      let cooldownSteps = max(1, Int((fraction * Double(branchStep)).rounded()))
      result.append(
        CooldownBranch(
          requestedSamples: value, branchStep: branchStep, cooldownSteps: cooldownSteps))
    }
    return result
  }

  var learningRateSchedule: LearningRateSchedule {
    LearningRateSchedule(
      base: learningRate, shape: schedule, warmupSteps: warmupSteps, totalSteps: steps,
      floor: learningRateFloor, cooldownShape: cooldownShape)
  }
}
