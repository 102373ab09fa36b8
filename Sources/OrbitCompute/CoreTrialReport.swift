/// One point of a trial's learning curve (sent as PROGRESS).
public struct CurvePoint: Sendable, Equatable {
  /// Optimiser steps taken.
  public var step: Int
  /// Training samples seen so far (steps × batch).
  public var samplesSeen: Int
  /// Loss on the training set (on its first 4,096 samples at most; for `fresh`, the mean batch loss
  /// since the previous point).
  public var trainLoss: Double
  /// Loss on the validation set.
  public var valLoss: Double
  /// Loss on the test set.
  public var testLoss: Double

  public init(step: Int, samplesSeen: Int, trainLoss: Double, valLoss: Double, testLoss: Double) {
    self.step = step
    self.samplesSeen = samplesSeen
    self.trainLoss = trainLoss
    self.valLoss = valLoss
    self.testLoss = testLoss
  }
}

/// One (N, D, L) data point of a trial: a model trained to `samplesSeen` samples and evaluated as
/// a finished run is. A `wsd` trial yields one per cooldown branch (the last is the trial's own
/// result); every other trial none (its result is its one point).
public struct TrialPoint: Sendable, Equatable {
  /// Parameters of the model (weights and biases).
  public var nParams: Int
  /// Samples the point's model was trained on: the trunk's up to the branch point plus its own
  /// cooldown's (steps × batch). This is the point's D.
  public var samplesSeen: Int
  /// Optimiser steps the point's model took (trunk and cooldown).
  public var steps: Int
  /// Samples of the trunk where the branch left it (`train.cooldowns` rounded to whole steps).
  public var branchSamples: Int
  /// Training FLOPs of the point's model: the trunk's up to the branch point plus the branch's
  /// own cooldown, not other branches' (a separate run to this point costs exactly this).
  public var flops: Double
  /// As the trial's `train_loss` (for `fresh`: the mean batch loss of the cooldown).
  public var trainLoss: Double
  public var valLoss: Double
  public var testLoss: Double

  public init(
    nParams: Int, samplesSeen: Int, steps: Int, branchSamples: Int, flops: Double,
    trainLoss: Double, valLoss: Double, testLoss: Double
  ) {
    self.nParams = nParams
    self.samplesSeen = samplesSeen
    self.steps = steps
    self.branchSamples = branchSamples
    self.flops = flops
    self.trainLoss = trainLoss
    self.valLoss = valLoss
    self.testLoss = testLoss
  }

  /// The point's fields by their names in a point line (docs/PROGRAMS.md), without `_point`.
  public var metrics: [String: Double] {
    [
      "n_params": Double(nParams), "samples_seen": Double(samplesSeen), "steps": Double(steps),
      "branch_samples": Double(branchSamples), "flops": flops, "train_loss": trainLoss,
      "val_loss": valLoss, "test_loss": testLoss,
    ]
  }
}

/// How a core trial ended.
public enum CoreTrialStatus: String, Sendable {
  case ok
  /// A training loss became NaN or infinite; training stopped at once.
  case diverged
  /// `isCancelled` returned true; training stopped between steps.
  case cancelled
}

/// What one core trial reports.
public struct CoreTrialReport: Sendable {
  public var status: CoreTrialStatus
  /// n_params, n_params_no_bias, samples_seen, flops, eval_flops, train_loss, val_loss,
  /// test_loss, best_step, steps, wall_seconds, cpu_seconds (the trial thread's CPU time),
  /// n_train, group_order (losses are absent when the trial diverged; diverged_step is then set);
  /// with schedule wsd also branch_flops (the other branches' cooldowns: the trial cost flops +
  /// branch_flops) and points.
  public var metrics: [String: Double]
  /// Learning curve at log-spaced steps.
  public var curve: [CurvePoint]
  /// The data points reached, in order: one per cooldown branch of a `wsd` schedule (a stopped
  /// trial keeps those it finished); empty for other schedules.
  public var points: [TrialPoint]

  public init(
    status: CoreTrialStatus, metrics: [String: Double], curve: [CurvePoint],
    points: [TrialPoint] = []
  ) {
    self.status = status
    self.metrics = metrics
    self.curve = curve
    self.points = points
  }
}
