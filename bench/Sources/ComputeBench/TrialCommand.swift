import ArgumentParser
import Foundation
import OrbitCompute

/// B4: one whole `manifold` trial, meant to be run as a fresh process under `/usr/bin/time -v`.
struct TrialCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trial",
    abstract: "B4: d=4 in D=32, teacher 64, student 32→256→256→1, n=16,384, 2,000 steps of "
      + "batch 128 with replacement, test MSE on 4,096; prints one JSON line.")

  @Option(help: "Training steps.") var steps = 2000
  @Option(help: "Student width.") var width = 256
  @Option(help: "Seed.") var seed = 0
  @Flag(help: "Print the learning curve (10 points) to stderr; adds evaluation work.")
  var curve = false

  /// The B4 trial's settings.
  static func settings(steps: Int, width: Int, seed: Int) -> [String: CoreValue] {
    [
      "task.kind": .string("manifold"), "task.input_dim": .int(32), "task.intrinsic_dim": .int(4),
      "task.teacher_width": .int(64), "task.n_train": .int(16_384), "task.n_val": .int(1),
      "task.n_test": .int(4096), "model.kind": .string("mlp"), "model.width": .int(width),
      "model.depth": .int(2), "train.steps": .int(steps), "train.batch": .int(128),
      "train.sampling": .string("replacement"), "train.lr": .double(1e-3),
      "train.curve_points": .int(0), "seed": .int(seed),
    ]
  }

  func run() throws {
    let start = Stopwatch.now()
    var settings = Self.settings(steps: steps, width: width, seed: seed)
    if curve { settings["train.curve_points"] = .int(10) }
    let config = try CoreTrialConfig(parameters: settings)
    let report = runCoreTrial(
      config,
      progress: { point in
        FileHandle.standardError.write(Data("\(point)\n".utf8))
      }, isCancelled: { false })
    var line = report.metrics
    line["main_to_end_seconds"] = Stopwatch.now() - start
    let fields = line.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }
    print(
      "{\"status\": \"\(report.status.rawValue)\", \"openblas_core\": \"\(OpenBLASCore.coreName)\", "
        + "\"orbit_kernels\": \"\(ComputePlatform.kernelLevel)\", "
        + fields.joined(separator: ", ") + "}")
  }
}
