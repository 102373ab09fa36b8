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
      isCancelled: context.isCancelled)
    let status: TrialStatus =
      switch report.status {
      case .ok: .ok
      case .diverged: .diverged
      case .cancelled: .cancelled
      }
    return outcome(status, report.metrics)
  }

  /// The scalar parameters of a trial as the compute core takes them (lists and maps dropped).
  public static func coreParameters(_ params: [String: ParamValue]) -> [String: CoreValue] {
    var result: [String: CoreValue] = [:]
    for (key, value) in params {
      switch value {
      case .int(let v): result[key] = .int(Int(v))
      case .double(let v): result[key] = .double(v)
      case .string(let v): result[key] = .string(v)
      case .bool(let v): result[key] = .bool(v)
      case .null, .list, .object: continue
      }
    }
    return result
  }
}
