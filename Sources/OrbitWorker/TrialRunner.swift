import OrbitProtocol
import OrbitSpec
import Synchronization

/// What a running trial can ask of the worker.
public struct TrialContext: Sendable {
  /// True once the coordinator cancelled the trial or the worker is leaving: stop promptly.
  public let isCancelled: @Sendable () -> Bool
  /// Sends a learning-curve point (step, metrics JSON object) to the coordinator.
  public let reportProgress: @Sendable (Int, String) -> Void
  /// The GPUs of the slot running the trial (CUDA_VISIBLE_DEVICES ids); empty without `--gpus`.
  public let gpus: [String]

  /// Data points sent so far by `reportPoint` (shared by the copies of this context).
  private let dataPoints = PointCount()

  public init(
    isCancelled: @escaping @Sendable () -> Bool,
    reportProgress: @escaping @Sendable (Int, String) -> Void, gpus: [String] = []
  ) {
    self.isCancelled = isCancelled
    self.reportProgress = reportProgress
    self.gpus = gpus
  }

  /// Sends a data point (a JSON object with `"_point": true`, docs/PROGRAMS.md) to the
  /// coordinator: a PROGRESS whose step is −k for the attempt's k-th point, so it never takes the
  /// place of a curve point (steps ≥ 0) in the journal and never enters a curve
  /// (docs/PROTOCOL.md).
  public func reportPoint(_ metricsJSON: String) {
    let ordinal = dataPoints.count.withLock { count in
      count += 1
      return count
    }
    reportProgress(-ordinal, metricsJSON)
  }
}

/// How many data points a trial's context has sent.
private final class PointCount: Sendable {
  let count = Mutex(0)
}

/// Runs one trial to its outcome, blocking the calling thread (a slot thread of its own).
public protocol TrialRunner: Sendable {
  func run(_ task: TaskAssignment, context: TrialContext) -> TrialOutcome
}

extension Spec {
  /// The trial a TASK names, re-derived from the spec by its plan index and checked against its
  /// id: how both runners take their input, so a worker never runs parameters it cannot
  /// reproduce from the spec (a coordinator and worker of different specs or versions disagree
  /// here, loudly, instead of training the wrong point). Nil when they disagree.
  func trial(for task: TaskAssignment) -> Trial? {
    guard task.index >= 0, task.index < trialCount else { return nil }
    let trial = trial(at: task.index)
    return trial.id == task.trialID ? trial : nil
  }

  /// What a runner reports when `trial(for:)` is nil.
  static func disagreement(_ task: TaskAssignment) -> String {
    "worker and coordinator disagree on trial \(task.index) (\(task.trialID.short)): run both from the same spec and Orbit version"
  }
}

/// A runner for `task.kind: noop`: returns at once. Measures the dispatch path alone, so it runs
/// inline on the worker's I/O thread rather than paying a thread hop per trial, and skips
/// re-deriving the trial (a SHA-256 per trial that a no-op trial has no use for).
public struct NoopRunner: TrialRunner {
  public init() {}

  public func run(_ task: TaskAssignment, context: TrialContext) -> TrialOutcome {
    TrialOutcome(
      trialID: task.trialID, index: task.index, attempt: task.attempt, status: .ok,
      metricsJSON: #"{"test_loss":0}"#)
  }
}

extension Dictionary where Key == String, Value == Double {
  /// Metrics as a JSON object with sorted keys; NaN and infinities (not JSON) become null.
  var metricsJSON: String {
    let body = keys.sorted().map { key -> String in
      let value = self[key]!
      let text = value.isFinite ? ParamValue.double(value).canonicalJSON : "null"
      return "\(ParamValue.string(key).canonicalJSON):\(text)"
    }
    return "{" + body.joined(separator: ",") + "}"
  }

  /// The metrics as a data-point line: `{"_point":true, …}` (docs/PROGRAMS.md), sorted keys.
  var pointJSON: String {
    let rest = metricsJSON.dropFirst()
    return #"{"_point":true"# + (rest == "}" ? "" : ",") + rest
  }
}
