import ArgumentParser
import Foundation
import OrbitCompute

/// Two trials on two threads against one: the throughput ratio (target ≥ 1.8).
struct ThreadsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "threads", abstract: "Throughput of two concurrent trials against one.")

  @Option(help: "Repeats (the median is reported).") var repeats = 3
  @Option(help: "Steps per trial.") var steps = 2000

  func run() throws {
    OpenBLASCore.pinToOneThread()
    let config = try CoreTrialConfig(
      parameters: TrialCommand.settings(steps: steps, width: 256, seed: 0))
    var ratios: [Double] = []
    var singles: [Double] = []
    var pairs: [Double] = []
    for _ in 0..<repeats {
      let single = time(threads: 1, config)
      let pair = time(threads: 2, config)
      singles.append(single)
      pairs.append(pair)
      ratios.append(2 * single / pair)
    }
    print(coreTypeLine())
    print(
      "one trial: \(String(format: "%.3f", Stopwatch.median(singles))) s; two at once: "
        + "\(String(format: "%.3f", Stopwatch.median(pairs))) s; throughput ratio "
        + "\(String(format: "%.3f", Stopwatch.median(ratios))) (runs \(ratios.map { String(format: "%.3f", $0) }))"
    )
  }

  /// Wall time of `threads` copies of the trial started together on threads of their own.
  func time(threads: Int, _ config: CoreTrialConfig) -> Double {
    let group = DispatchGroup()
    let start = Stopwatch.now()
    for _ in 0..<threads {
      group.enter()
      let thread = Thread {
        _ = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
        group.leave()
      }
      thread.start()
    }
    group.wait()
    return Stopwatch.now() - start
  }
}
