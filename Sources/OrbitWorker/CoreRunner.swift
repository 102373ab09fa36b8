import Foundation
import OrbitCompute
import OrbitProtocol
import OrbitSpec

/// Runs a trial with Orbit's Swift compute core on the slot's thread.
public struct CoreRunner: TrialRunner {
  let spec: Spec

  public init(spec: Spec) { self.spec = spec }

  public func run(_ task: TaskAssignment, context: TrialContext) -> TrialOutcome {
    let started = Date().timeIntervalSince1970
    func outcome(_ status: TrialStatus, _ metrics: [String: Double], stderr: String = "")
      -> TrialOutcome
    {
      TrialOutcome(
        trialID: task.trialID, index: task.index, attempt: task.attempt, status: status,
        metricsJSON: metrics.metricsJSON,
        wallSeconds: metrics["wall_seconds"] ?? (Date().timeIntervalSince1970 - started),
        startedAt: started,
        stderrTail: stderr)
    }
    guard let trial = spec.trial(for: task) else {
      return outcome(.failed, [:], stderr: Spec.disagreement(task))
    }
    let config: CoreTrialConfig
    do {
      config = try CoreTrialConfig(parameters: Self.coreParameters(trial.params))
    } catch {
      return outcome(.failed, [:], stderr: "\(error)")
    }
    let report = runCoreTrial(
      config,
      progress: { point in
        let metrics: [String: Double] = [
          "step": Double(point.step), "samples_seen": Double(point.samplesSeen),
          "train_loss": point.trainLoss,
          "val_loss": point.valLoss, "test_loss": point.testLoss,
        ]
        context.reportProgress(point.step, metrics.metricsJSON)
      },
      point: { point in context.reportPoint(point.metrics.pointJSON) },
      isCancelled: context.isCancelled)
    let status: TrialStatus =
      switch report.status {
      case .ok: .ok
      case .diverged: .diverged
      case .cancelled: .cancelled
      }
    return outcome(status, report.metrics)
  }

  /// The parameters of a trial as the compute core takes them: scalars, and lists of them
  /// (`train.cooldowns`); nulls, maps and lists holding either are dropped (no core key takes
  /// them, and an unknown `train.` key is still reported by name when it is a scalar).
  public static func coreParameters(_ params: [String: ParamValue]) -> [String: CoreValue] {
    var result: [String: CoreValue] = [:]
    for (key, value) in params {
      if let converted = coreValue(value) { result[key] = converted }
    }
    return result
  }

  private static func coreValue(_ value: ParamValue) -> CoreValue? {
    switch value {
    case .int(let v): return .int(Int(v))
    case .double(let v): return .double(v)
    case .string(let v): return .string(v)
    case .bool(let v): return .bool(v)
    case .list(let items):
      var values: [CoreValue] = []
      for item in items {
        guard let converted = coreValue(item) else { return nil }
        if case .list = converted { return nil }
        values.append(converted)
      }
      return .list(values)
    case .null, .object: return nil
    }
  }
}
