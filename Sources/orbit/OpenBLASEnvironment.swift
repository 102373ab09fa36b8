import Foundation
import OrbitCompute

#if canImport(Glibc)
  import Glibc
#endif

/// Debian's OpenBLAS 0.3.21 falls back to its oldest kernels on CPUs it does not recognise, and
/// reads OPENBLAS_CORETYPE only when it loads, before `main`. So Orbit sets it and re-executes
/// itself once; every process it starts inherits the value. A value the user set is never touched.
enum OpenBLASEnvironment {
  static let marker = "ORBIT_OPENBLAS_REEXEC"

  static func reexecIfNeeded() {
    let environment = ProcessInfo.processInfo.environment
    guard environment[marker] == nil,
      let core = OpenBLASCore.recommendedCoreType(environment: environment)
    else { return }
    setenv("OPENBLAS_CORETYPE", core, 1)
    setenv(marker, "1", 1)
    let arguments = CommandLine.arguments
    let argv = arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", argv)
    // exec failed: carry on with the slow kernels rather than not at all.
  }
}
