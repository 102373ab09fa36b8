import ArgumentParser
import Foundation
import OrbitCompute
import OrbitSession
import OrbitSpec
import OrbitWorker

/// `orbit trial SPEC`: one trial of a `core` spec in this process, to try a spec before sweeping.
struct TrialCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trial",
    abstract: "Run one trial of a core spec here (the first grid point, with overrides).")

  @Argument(help: "The sweep spec (YAML, runner: core).")
  var spec: String

  @Option(
    name: .customLong("set"), help: "Override a parameter: --set model.width=256 (repeatable).")
  var overrides: [String] = []

  @Option(help: "Which trial of the grid to start from.")
  var index: Int = 0

  @Flag(help: "Print the report as JSON.")
  var json = false

  func validate() throws { try OptionChecks.count(index, "--index") }

  func run() throws {
    let spec = try SpecLoading.load(spec)
    guard spec.runner == .core else {
      throw fail(
        "\(self.spec) uses runner: \(spec.runner.rawValue); orbit trial runs runner: core specs",
        ExitStatus.usage)
    }
    guard index >= 0 && index < spec.trialCount else {
      throw fail("--index must be in 0..<\(spec.trialCount), got \(index)", ExitStatus.usage)
    }
    var params = spec.trial(at: index).params
    for item in overrides {
      guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
        throw fail("--set takes key=value, got '\(item)'", ExitStatus.usage)
      }
      let key = String(item[..<eq])
      let text = String(item[item.index(after: eq)...])
      params[key] = (try? ParamValue.parseJSON(text)) ?? .string(text)
    }
    let config = try CoreTrialConfig(parameters: CoreRunner.coreParameters(params))
    let interactive = !json && stdoutIsTerminal
    let report = runCoreTrial(
      config,
      progress: { point in
        if interactive {
          print(
            String(
              format: "  step %7d  train %.5f  val %.5f  test %.5f", point.step, point.trainLoss,
              point.valLoss, point.testLoss))
        }
      },
      point: { point in
        if interactive {
          print(
            String(
              format: "  point: %d samples (branch at %d)  val %.5f  test %.5f  flops %.4g",
              point.samplesSeen, point.branchSamples, point.valLoss, point.testLoss, point.flops))
        }
      },
      isCancelled: { false })
    var metrics = report.metrics
    metrics = metrics.filter { $0.value.isFinite }
    if json {
      var object: [String: ParamValue] = [
        "status": .string(report.status.rawValue),
        "openblas_core": .string(OpenBLASCore.coreName),
        "openblas_coretype_env": .string(
          ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? ""),
        "params": .object(params),
        "curve": .list(
          report.curve.map {
            .object([
              "step": .int(Int64($0.step)), "samples_seen": .int(Int64($0.samplesSeen)),
              "train_loss": .double($0.trainLoss),
              "val_loss": .double($0.valLoss), "test_loss": .double($0.testLoss),
            ])
          }),
      ]
      object["metrics"] = .object(metrics.mapValues { .double($0) })
      // Each data point as its point line has it (docs/PROGRAMS.md), `_point` aside.
      object["points"] = .list(
        report.points.map { .object($0.metrics.mapValues { .double($0) }) })
      print(ParamValue.object(object).canonicalJSON)
    } else {
      print("status \(report.status.rawValue) · OpenBLAS core \(OpenBLASCore.coreName)")
      for key in metrics.keys.sorted() {
        print("  \(key.padding(toLength: 18, withPad: " ", startingAt: 0)) \(metrics[key]!)")
      }
    }
    if report.status == .diverged { throw ExitCode(ExitStatus.trialsFailed) }
  }
}
