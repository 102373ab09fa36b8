import Foundation
import OrbitCompute

#if canImport(Glibc)
  import Glibc
#endif

/// OpenBLAS reads its settings only when it loads, before `main`; Orbit fixes two of them by
/// setting the environment and re-executing itself once. Every process it starts inherits them.
///
/// * `OPENBLAS_CORETYPE`: Debian's OpenBLAS 0.3.21 falls back to its oldest kernels on CPUs it
///   does not recognise. Set only when OpenBLAS fell back; a value the user set is never touched.
/// * `OPENBLAS_NUM_THREADS=1` (unless set): trials are the unit of parallelism, one per thread;
///   the pthread build otherwise starts a pool per process whose idle threads spin in
///   sched_yield, stealing cores from the coordinator and the other workers.
enum OpenBLASEnvironment {
  static let marker = "ORBIT_OPENBLAS_REEXEC"

  static func reexecIfNeeded() {
    let environment = ProcessInfo.processInfo.environment
    guard environment[marker] == nil else { return }
    var changes: [(String, String)] = []
    if let core = OpenBLASCore.recommendedCoreType(environment: environment) {
      changes.append(("OPENBLAS_CORETYPE", core))
    }
    if environment["OPENBLAS_NUM_THREADS"] == nil && environment["OMP_NUM_THREADS"] == nil {
      changes.append(("OPENBLAS_NUM_THREADS", "1"))
    }
    guard !changes.isEmpty else { return }
    for (key, value) in changes { setenv(key, value, 1) }
    setenv(marker, "1", 1)
    let argv = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", argv)
    // exec failed: carry on with the library as loaded rather than not at all.
  }
}
