import ArgumentParser
import Foundation
import OrbitCompute

/// The OpenBLAS core-type trap: which kernels loaded, what Orbit would set, and a 256³ sgemm rate.
struct CoreTypeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coretype",
    abstract: "OpenBLAS core in use, Orbit's recommended OPENBLAS_CORETYPE, 256³ sgemm GFLOP/s. "
      + "Try OPENBLAS_CORETYPE=Prescott to see the fallback's cost.")

  func run() {
    OpenBLASCore.pinToOneThread()
    let environment = ProcessInfo.processInfo.environment
    let replay = GEMMReplay(shapes: [
      GEMMShape(transposeA: false, transposeB: false, m: 256, n: 256, k: 256, beta: 0)
    ])
    let rates = (0..<3).map { _ in Stopwatch.rate(seconds: 0.5) { replay.run() }.cpu }
    print(
      "core \(OpenBLASCore.coreName); OPENBLAS_CORETYPE=\(environment["OPENBLAS_CORETYPE"] ?? "unset"); "
        + "recommended override: \(OpenBLASCore.recommendedCoreType(environment: environment) ?? "none"); "
        + "256³ sgemm \(String(format: "%.1f", Stopwatch.median(rates) * replay.flops / 1e9)) GFLOP/s"
    )
  }
}
