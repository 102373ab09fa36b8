/// The parsed and validated settings of one core trial.
///
/// Keys are dotted ("task.kind", "model.width", "train.lr", …) plus "seed". Unknown keys under
/// `task.`, `model.` and `train.` are rejected (they are almost always typos); other top-level
/// keys are ignored so a spec may carry labels of its own.
public struct CoreTrialConfig: Sendable {
  /// The task: data, teacher and splits.
  public var task: TaskSettings
  /// The student network.
  public var model: ModelSettings
  /// Optimisation, schedule, evaluation and early stopping.
  public var train: TrainSettings
  /// The trial's seed: data, init and batching all derive from it.
  public var seed: Int

  /// Parses `parameters`.
  /// - Throws: `CoreConfigError` naming the first bad key.
  public init(parameters: [String: CoreValue]) throws(CoreConfigError) {
    let known = Set(Self.documentedKeys.map(\.key))
    for key in parameters.keys.sorted() where !known.contains(key) {
      let section = key.split(separator: ".").first.map(String.init) ?? key
      if ["task", "model", "train"].contains(section) {
        let siblings = Self.documentedKeys.map(\.key).filter { $0.hasPrefix(section + ".") }
        throw CoreConfigError(
          key: key,
          message:
            "\(key) is not a core setting; \(section) takes \(siblings.joined(separator: ", "))")
      }
    }
    let reader = ParameterReader(parameters: parameters)
    seed = try reader.int("seed", default: 0, minimum: Int.min)
    task = try TaskSettings(reader)
    model = try ModelSettings(reader, task: task)
    train = try TrainSettings(reader, task: task)
  }

  /// Every key with its meaning and default, for `docs/SPEC.md` and `orbit` help.
  public static var documentedKeys: [(key: String, meaning: String)] {
    [
      ("seed", "Integer seed of the trial (data, init, batches). Default 0."),
      ("task.kind", "manifold | cyclic | permutation | noop (no training). Default manifold."),
      ("task.n_train", "Training-set size n; sets for n and 2n are nested. Default 1024."),
      ("task.fresh", "true: new samples every step instead of a finite set. Default false."),
      ("task.n_val", "Validation-set size (early stopping). Default 1024."),
      ("task.n_test", "Test-set size. Default 4096."),
      ("task.input_dim", "manifold: ambient dimension D. Default 32."),
      ("task.intrinsic_dim", "manifold: intrinsic dimension d ≤ D. Default 4."),
      ("task.length", "cyclic: signal length L (|G| = L). Default 16."),
      ("task.set_size", "permutation: elements per set k (|G| = k!). Default 5."),
      ("task.element_dim", "permutation: features per element m. Default 4."),
      ("task.teacher_width", "Hidden units of the random tanh teacher. Default 64."),
      (
        "task.teacher_weight_scale",
        "Teacher input-weight scale (× 1/√fan-in for cyclic and "
          + "permutation). Default 1."
      ),
      ("task.teacher_bias_scale", "Teacher hidden-bias standard deviation. Default 0.5."),
      ("task.noise", "Label-noise standard deviation added to training targets. Default 0."),
      (
        "task.teacher_seed",
        "Seed of the teacher (the task itself); the trial seed varies data, "
          + "init and batches only. Default 0."
      ),
      ("model.kind", "mlp | conv1d | deepsets. Default mlp."),
      ("model.width", "Hidden width W (mlp, deepsets). Default 64."),
      (
        "model.depth",
        "Hidden layers (mlp), conv layers (conv1d), per-element layers "
          + "(deepsets). Default 2."
      ),
      ("model.rho_depth", "deepsets: hidden layers after pooling. Default 1."),
      ("model.channels", "conv1d: channels C. Default 16."),
      ("model.kernel", "conv1d: kernel size k (odd). Default 5."),
      ("model.pooling", "deepsets: sum | mean. Default mean."),
      ("model.activation", "relu | tanh | gelu | identity. Default relu."),
      ("model.init", "pytorch (U(±1/√fan_in)) | he (N(0, 2/fan_in), zero bias). Default pytorch."),
      (
        "model.symmetry",
        "none | augment | symmetrize (cyclic and permutation tasks). "
          + "Default none."
      ),
      (
        "train.steps",
        "Optimiser steps. Default 1000; with schedule wsd the last cooldown's end (may be "
          + "left out)."
      ),
      ("train.batch", "Batch size; the batch used is min(batch, n_train). Default 128."),
      ("train.sampling", "epochs (seeded shuffles) | replacement. Default epochs."),
      ("train.optimizer", "adam | adamw | sgd. Default adam."),
      ("train.lr", "Peak learning rate. Default 0.001."),
      (
        "train.lr_floor",
        "Final rate of the cosine schedule, and where wsd cooldowns decay to. Default 0."
      ),
      (
        "train.schedule",
        "constant | cosine | wsd (warm-up, constant, cooldown branches). Default constant."
      ),
      (
        "train.warmup",
        "Linear warm-up: a fraction of steps if < 1, else steps (wsd: steps only). Default 0."
      ),
      (
        "train.cooldowns",
        "wsd: samples at which a branch cools down and is evaluated as a data point, rising; "
          + "the last one ends the run. Required with wsd."
      ),
      (
        "train.cooldown_fraction",
        "wsd: a cooldown's length as a fraction of its branch point (0 < f ≤ 1). Default 0.2."
      ),
      ("train.cooldown_shape", "wsd: linear | 1-sqrt decay to lr_floor. Default 1-sqrt."),
      ("train.weight_decay", "L2 (adam, sgd) or decoupled (adamw) decay. Default 0."),
      ("train.momentum", "sgd momentum. Default 0.9."),
      ("train.beta1", "Adam β1. Default 0.9."),
      ("train.beta2", "Adam β2. Default 0.999."),
      ("train.eps", "Adam ε. Default 1e-8."),
      (
        "train.eval_every",
        "Steps between validation evaluations; 0 = no early stopping. "
          + "Default 0."
      ),
      (
        "train.patience",
        "Evaluations without improvement before stopping; 0 = never stop, "
          + "but still report the test loss at the best validation step. Default 0."
      ),
      ("train.curve_points", "Log-spaced learning-curve points (PROGRESS). Default 20."),
      ("train.eval_batch", "Samples per evaluation chunk. Default 256."),
    ]
  }
}
