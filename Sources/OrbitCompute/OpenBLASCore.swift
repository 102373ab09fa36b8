import CBLAS

#if canImport(Glibc)
  import Glibc
#endif

/// OpenBLAS's run-time kernel selection, and the fix for its trap on CPUs it does not know.
///
/// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) picks its kernels once, when the library loads, from
/// the CPU id; a CPU newer than the library (e.g. Intel family 6 model 207) falls back to the
/// oldest kernels (Prescott), about 4–5× slower for sgemm. It reads `OPENBLAS_CORETYPE` at load
/// time only, so the override must be in the environment of a process before it starts.
public enum OpenBLASCore {
  /// The kernel family in use, as `openblas_get_corename()` reports it (e.g. "Cooperlake").
  public static var coreName: String { String(cString: openblas_get_corename()) }

  /// OpenBLAS's build configuration string.
  public static var configuration: String { String(cString: openblas_get_config()) }

  /// Makes every OpenBLAS call in this process run on the calling thread: trials are the unit of
  /// parallelism, one per thread.
  public static func pinToOneThread() { _ = pinnedOnce }

  /// `openblas_set_num_threads(1)`, done once per process: calling it while another thread is
  /// inside OpenBLAS is not safe, and OpenBLAS's own threads (two here by default) must never
  /// run a trial's products, which would also make trials race for the pool.
  private static let pinnedOnce: Void = openblas_set_num_threads(1)

  /// `environment` plus `OPENBLAS_CORETYPE` when this CPU needs it (see `recommendedCoreType`):
  /// the environment to give every process Orbit starts (workers, command runners).
  public static func childEnvironment(_ environment: [String: String]) -> [String: String] {
    guard let coreType = recommendedCoreType(environment: environment) else { return environment }
    var result = environment
    result["OPENBLAS_CORETYPE"] = coreType
    return result
  }

  /// When the loaded OpenBLAS fell back to old kernels on a CPU that has better ones, re-executes
  /// this program once (same arguments) with `OPENBLAS_CORETYPE` set, since OpenBLAS reads it
  /// only while loading. Call it first thing in `main`; it returns when no override is needed,
  /// when the user set `OPENBLAS_CORETYPE`, after one attempt (`ORBIT_OPENBLAS_REEXEC` marks
  /// it), or when `execv` fails (the program then runs on, slowly).
  public static func reexecWithRecommendedCoreTypeIfNeeded() {
    guard getenv("ORBIT_OPENBLAS_REEXEC") == nil else { return }
    var environment: [String: String] = [:]
    if let value = getenv("OPENBLAS_CORETYPE") {
      environment["OPENBLAS_CORETYPE"] = String(cString: value)
    }
    guard let coreType = recommendedCoreType(environment: environment) else { return }
    setenv("OPENBLAS_CORETYPE", coreType, 1)
    setenv("ORBIT_OPENBLAS_REEXEC", "1", 1)
    let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", arguments)
    // Only reached when execv failed.
    for argument in arguments { free(argument) }
  }

  /// Kernel families that mean OpenBLAS did not recognise a modern CPU.
  static let fallbackCores: Set<String> = [
    "prescott", "core2", "katmai", "coppermine", "northwood", "banias", "atom", "penryn",
    "dunnington", "nehalem", "opteron", "opteron_sse3", "barcelona", "athlon", "unknown",
  ]

  /// The `OPENBLAS_CORETYPE` to set for this CPU when the loaded library fell back to an old
  /// kernel although the CPU has AVX2/AVX-512; nil when no override is needed or the user already
  /// set `OPENBLAS_CORETYPE` in `environment`.
  public static func recommendedCoreType(environment: [String: String]) -> String? {
    recommendedCoreType(
      environment: environment, loadedCore: coreName, cpuFlags: cpuFlags(),
      vendor: cpuVendor())
  }

  /// The decision, with its inputs explicit (for tests).
  static func recommendedCoreType(
    environment: [String: String], loadedCore: String, cpuFlags: Set<String>, vendor: String
  ) -> String? {
    if let userChoice = environment["OPENBLAS_CORETYPE"], !userChoice.isEmpty { return nil }
    guard fallbackCores.contains(loadedCore.lowercased()) else { return nil }
    let isAMD = vendor == "AuthenticAMD"
    if cpuFlags.contains("avx512f") && cpuFlags.contains("avx512bw")
      && cpuFlags.contains("avx512vl")
    {
      // 0.3.21 has no Zen 4 kernels; its AVX-512 Intel kernels run on Zen 4 (Cooperlake needs
      // avx512_bf16 too).
      return cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
    }
    if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return isAMD ? "Zen" : "Haswell" }
    if cpuFlags.contains("avx") { return isAMD ? "Bulldozer" : "SandyBridge" }
    return nil
  }

  /// The `flags` of the first processor in /proc/cpuinfo (empty where there is none).
  static func cpuFlags() -> Set<String> {
    Set(cpuInfoField("flags").split(separator: " ").map(String.init))
  }

  static func cpuVendor() -> String { cpuInfoField("vendor_id") }

  private static func cpuInfoField(_ name: String) -> String {
    guard let file = fopen("/proc/cpuinfo", "r") else { return "" }
    defer { fclose(file) }
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0 {
      let text = String(cString: line!)
      guard text.hasPrefix(name) else { continue }
      guard let colon = text.firstIndex(of: ":") else { continue }
      let value = text[text.index(after: colon)...]
      return String(value.drop { $0 == " " || $0 == "\t" }.prefix { $0 != "\n" })
    }
    return ""
  }
}
