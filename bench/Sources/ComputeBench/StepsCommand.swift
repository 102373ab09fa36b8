import ArgumentParser
import Foundation
import OrbitCompute

/// B1–B3: training steps per second against the step's sgemm calls alone (the bound).
struct StepsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "steps", abstract: "B1–B3: steps/s of the engine and of its sgemm bound.")

  @Option(help: "Repeats per case (the median is reported).") var repeats = 3
  @Option(help: "Seconds per measurement.") var seconds = 1.0
  @Option(help: "Only the cases whose name contains this.") var only: String?
  @Flag(help: "Run only the engine's steps (for profiling with perf).") var engineOnly = false

  struct Case {
    var name: String
    var model: StepBenchmark.Model
    var batch: Int
  }

  static let cases: [Case] = [
    Case(name: "B1 W=64", model: .mlp(inputs: 32, width: 64, hiddenLayers: 3), batch: 128),
    Case(name: "B1 W=256", model: .mlp(inputs: 32, width: 256, hiddenLayers: 3), batch: 128),
    Case(name: "B1 W=1024", model: .mlp(inputs: 32, width: 1024, hiddenLayers: 3), batch: 128),
    Case(name: "B2", model: .mlp(inputs: 32, width: 1024, hiddenLayers: 3), batch: 1024),
    Case(
      name: "B3 C=16",
      model: .circularConvolution(length: 64, channels: 16, kernel: 5, convLayers: 3), batch: 128),
    Case(
      name: "B3 C=64",
      model: .circularConvolution(length: 64, channels: 64, kernel: 5, convLayers: 3), batch: 128),
  ]

  func run() {
    OpenBLASCore.pinToOneThread()
    print(coreTypeLine())
    print(
      "median of \(repeats) × \(seconds) CPU-s, bound and engine alternated; steps per CPU-second "
        + "of the benchmark thread (wall-clock figures in brackets); GFLOP/s by 6·weights·batch")
    print(
      "| case | bound steps/s | engine steps/s | ratio | engine GFLOP/s | ratio by wall time "
        + "| runs (bound / engine) |")
    print("|---|---|---|---|---|---|---|")
    for benchCase in Self.cases where only.map({ benchCase.name.contains($0) }) ?? true {
      let step = StepBenchmark(model: benchCase.model, batch: benchCase.batch)
      if engineOnly {
        let rate = Stopwatch.rate(seconds: seconds) { step.step() }
        print("| \(benchCase.name) | – | \(format(rate.cpu)) | – | – | – | engine only |")
        continue
      }
      let bound = GEMMReplay(shapes: step.boundProducts())
      var boundRates: [(cpu: Double, wall: Double)] = []
      var engineRates: [(cpu: Double, wall: Double)] = []
      for _ in 0..<repeats {
        boundRates.append(Stopwatch.rate(seconds: seconds) { bound.run() })
        engineRates.append(Stopwatch.rate(seconds: seconds) { step.step() })
      }
      let boundRate = Stopwatch.median(boundRates.map(\.cpu))
      let engineRate = Stopwatch.median(engineRates.map(\.cpu))
      let wallRatio =
        Stopwatch.median(engineRates.map(\.wall)) / Stopwatch.median(boundRates.map(\.wall))
      let runs =
        boundRates.map { format($0.cpu) }.joined(separator: ", ") + " / "
        + engineRates.map { format($0.cpu) }.joined(separator: ", ")
      print(
        "| \(benchCase.name) | \(format(boundRate)) | \(format(engineRate)) | "
          + "\(String(format: "%.3f", engineRate / boundRate)) | "
          + "\(String(format: "%.1f", engineRate * step.nominalFlopsPerStep / 1e9)) | "
          + "(\(String(format: "%.3f", wallRatio))) | \(runs) |")
    }
  }

  func format(_ rate: Double) -> String { String(format: rate >= 100 ? "%.0f" : "%.2f", rate) }
}
