import ArgumentParser
import Foundation
import OrbitCompute

/// One core trial from `key=value` settings (for trying task and model settings quickly).
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run one core trial from key=value settings and print its metrics, e.g. "
      + "`ComputeBench run task.kind=permutation model.kind=deepsets task.n_train=256`.")

  @Argument(help: "Settings as key=value (numbers, true/false, or strings).")
  var settings: [String] = []

  func run() throws {
    var parameters: [String: CoreValue] = [:]
    for setting in settings {
      guard let equals = setting.firstIndex(of: "=") else {
        throw ValidationError("\(setting): expected key=value")
      }
      let key = String(setting[..<equals])
      let text = String(setting[setting.index(after: equals)...])
      if let integer = Int(text) {
        parameters[key] = .int(integer)
      } else if let real = Double(text) {
        parameters[key] = .double(real)
      } else if text == "true" || text == "false" {
        parameters[key] = .bool(text == "true")
      } else {
        parameters[key] = .string(text)
      }
    }
    let config: CoreTrialConfig
    do {
      config = try CoreTrialConfig(parameters: parameters)
    } catch {
      throw ValidationError(error.message)
    }
    let cpuStart = Stopwatch.threadCPU()
    let report = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
    let metrics = report.metrics.sorted { $0.key < $1.key }
      .map { "\($0.key)=\(String(format: "%.6g", $0.value))" }
    print(
      "status=\(report.status.rawValue) cpu_seconds=\(String(format: "%.3f", Stopwatch.threadCPU() - cpuStart)) "
        + metrics.joined(separator: " "))
  }
}
