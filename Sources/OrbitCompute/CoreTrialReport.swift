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
  /// n_train, group_order (losses are absent when the trial diverged; diverged_step is then set).
  public var metrics: [String: Double]
  /// Learning curve at log-spaced steps.
  public var curve: [CurvePoint]

  public init(status: CoreTrialStatus, metrics: [String: Double], curve: [CurvePoint]) {
    self.status = status
    self.metrics = metrics
    self.curve = curve
  }
}
