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

  /// The OpenBLAS settings a process of Orbit's must load with, given its `environment`:
  ///
  /// * `OPENBLAS_CORETYPE` when the loaded library fell back to old kernels on this CPU (see
  ///   `recommendedCoreType`); a value the user set is never touched;
  /// * `OPENBLAS_NUM_THREADS=1` unless the user set it (or `OMP_NUM_THREADS`): trials are the unit
  ///   of parallelism, and the pthread build otherwise starts a pool in every process whose idle
  ///   threads spin in `sched_yield`, stealing the cores the coordinator and workers need.
  public static func requiredSettings(environment: [String: String]) -> [String: String] {
    var settings: [String: String] = [:]
    if let coreType = recommendedCoreType(environment: environment) {
      settings["OPENBLAS_CORETYPE"] = coreType
    }
    if environment["OPENBLAS_NUM_THREADS"] == nil && environment["OMP_NUM_THREADS"] == nil {
      settings["OPENBLAS_NUM_THREADS"] = "1"
    }
    return settings
  }

  /// Names the variables Orbit added to its own environment (comma-separated), so that a user's
  /// program run as a trial gets the environment the user gave Orbit, not Orbit's BLAS settings
  /// (issue 22: numpy in every `command` trial ran single-threaded BLAS without being told).
  public static let addedVariablesKey = "ORBIT_OPENBLAS_ADDED"
  static let reexecMarkerKey = "ORBIT_OPENBLAS_REEXEC"

  /// `environment` with `requiredSettings` applied: for Orbit's own processes (workers started by
  /// `orbit run`), never for a trial's program. What was added is listed in `addedVariablesKey`.
  public static func childEnvironment(_ environment: [String: String]) -> [String: String] {
    let settings = requiredSettings(environment: environment)
    var child = environment.merging(settings) { _, new in new }
    let added = addedKeys(environment).union(settings.keys)
    if !added.isEmpty { child[addedVariablesKey] = added.sorted().joined(separator: ",") }
    return child
  }

  /// `environment` without what Orbit added to it (its BLAS settings and their markers): the
  /// environment the user started Orbit with, for a `command` trial.
  public static func userEnvironment(_ environment: [String: String]) -> [String: String] {
    var user = environment
    for key in addedKeys(environment) { user[key] = nil }
    user[addedVariablesKey] = nil
    user[reexecMarkerKey] = nil
    return user
  }

  static func addedKeys(_ environment: [String: String]) -> Set<String> {
    Set((environment[addedVariablesKey] ?? "").split(separator: ",").map(String.init))
  }

  /// OpenBLAS reads its settings only while loading, before `main`: when this process lacks one
  /// of `requiredSettings`, re-executes it once (same arguments) with them set. Call it first
  /// thing in `main`; it returns when nothing is needed, after one attempt
  /// (`ORBIT_OPENBLAS_REEXEC` marks it), or when `execv` fails (the program then runs on).
  public static func reexecWithRequiredSettingsIfNeeded() {
    guard getenv(reexecMarkerKey) == nil else { return }
    var environment: [String: String] = [:]
    for key in ["OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", addedVariablesKey] {
      if let value = getenv(key) { environment[key] = String(cString: value) }
    }
    let settings = requiredSettings(environment: environment)
    guard !settings.isEmpty else { return }
    for (key, value) in settings { setenv(key, value, 1) }
    let added = addedKeys(environment).union(settings.keys).sorted().joined(separator: ",")
    setenv(addedVariablesKey, added, 1)
    setenv(reexecMarkerKey, "1", 1)
    let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
    // The resolved path, not /proc/self/exe itself: the kernel names a process after the file it
    // executed, and `ps`, `top` and `pkill orbit` would see "exe".
    var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &path, Int(PATH_MAX))
    if length > 0 { execv(path, arguments) }
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

  static func cpuInfoField(_ name: String) -> String {
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
