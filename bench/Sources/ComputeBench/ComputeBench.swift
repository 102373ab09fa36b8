import ArgumentParser
import Foundation
import OrbitCompute

/// Benchmarks of the compute core (issue 4). Run from bench/: `swift run -c release ComputeBench`.
@main
struct ComputeBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Benchmarks of OrbitCompute: training steps against their sgemm bound, whole trials, "
      + "mallocs in the training loop, two-thread scaling.",
    subcommands: [
      StepsCommand.self, TrialCommand.self, MallocCommand.self, ThreadsCommand.self,
      FlagshipCommand.self, CoreTypeCommand.self, RunCommand.self, WSDCommand.self,
    ],
    defaultSubcommand: StepsCommand.self)

  /// As `orbit` does before anything else: re-exec once with OPENBLAS_NUM_THREADS=1 (and the
  /// core type where OpenBLAS fell back), so that the benchmark runs OpenBLAS exactly as a trial
  /// does. Without it OpenBLAS starts a helper thread at load that spins in `sched_yield`
  /// (6 % of the samples of a B2 profile) although every product runs on one thread.
  static func main() {
    OpenBLASCore.reexecWithRequiredSettingsIfNeeded()
    main(nil)
  }
}

/// Wall-clock helpers.
enum Stopwatch {
  static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  /// CPU seconds used by the calling thread: unlike wall time, not inflated while other
  /// processes hold the (shared, 2-core) machine.
  static func threadCPU() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  /// Calls `body` repeatedly for at least `seconds` of thread CPU time (after `warmup` calls);
  /// returns calls per CPU-second and calls per wall-second.
  static func rate(seconds: Double, warmup: Int = 3, _ body: () -> Void) -> (
    cpu: Double, wall: Double
  ) {
    for _ in 0..<warmup { body() }
    var calls = 0
    let start = now()
    let startCPU = threadCPU()
    var elapsed = 0.0
    repeat {
      body()
      calls += 1
      elapsed = threadCPU() - startCPU
    } while elapsed < seconds
    return (Double(calls) / elapsed, Double(calls) / (now() - start))
  }

  static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
  }
}

/// The line every benchmark prints before its figures: CPU model, vector extensions, the level of
/// OrbitCompute's kernels, OpenBLAS's core type and configuration (issue 29), and the advice
/// when OpenBLAS fell back to old kernels.
func coreTypeLine() -> String {
  let environment = ProcessInfo.processInfo.environment
  let advice =
    OpenBLASCore.recommendedCoreType(environment: environment).map {
      "; fallback detected: set OPENBLAS_CORETYPE=\($0)"
    } ?? ""
  return ComputePlatform.summary(environment: environment) + advice
}
