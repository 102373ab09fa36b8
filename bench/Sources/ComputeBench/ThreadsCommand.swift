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
    var cpuRatios: [Double] = []
    var singles: [Double] = []
    var pairs: [Double] = []
    for _ in 0..<repeats {
      let single = time(threads: 1, config)
      let pair = time(threads: 2, config)
      singles.append(single.wall)
      pairs.append(pair.wall)
      ratios.append(2 * single.wall / pair.wall)
      cpuRatios.append(single.cpuPerTrial / pair.cpuPerTrial)
    }
    print(coreTypeLine())
    print(
      "one trial: \(String(format: "%.3f", Stopwatch.median(singles))) s; two at once: "
        + "\(String(format: "%.3f", Stopwatch.median(pairs))) s; throughput ratio (wall) "
        + "\(String(format: "%.3f", Stopwatch.median(ratios))) (runs \(ratios.map { String(format: "%.3f", $0) })); "
        + "CPU-time efficiency of a trial beside another "
        + "\(String(format: "%.3f", Stopwatch.median(cpuRatios))) (1.0 = no interference); "
        + "load average \(loadAverage())")
  }

  func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
      .split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
  }

  /// Wall time of `threads` copies of the trial started together on threads of their own, and
  /// the mean thread CPU time per trial.
  func time(threads: Int, _ config: CoreTrialConfig) -> (wall: Double, cpuPerTrial: Double) {
    let group = DispatchGroup()
    let cpu = CPUTotals()
    let start = Stopwatch.now()
    for _ in 0..<threads {
      group.enter()
      let thread = Thread {
        let before = Stopwatch.threadCPU()
        _ = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
        cpu.add(Stopwatch.threadCPU() - before)
        group.leave()
      }
      thread.start()
    }
    group.wait()
    return (Stopwatch.now() - start, cpu.total / Double(threads))
  }
}

/// Thread CPU seconds summed across trial threads.
final class CPUTotals: @unchecked Sendable {
  // @unchecked: every access holds `lock`.
  private let lock = NSLock()
  private var sum = 0.0

  func add(_ seconds: Double) {
    lock.lock()
    sum += seconds
    lock.unlock()
  }

  var total: Double {
    lock.lock()
    defer { lock.unlock() }
    return sum
  }
}
