/// What a compute figure was measured on: the CPU, its vector extensions, OpenBLAS's kernels and
/// the level of OrbitCompute's own kernels. A step rate means little without them — the same
/// code ran 0.84 of its sgemm bound on one AMD EPYC's kernel choice and 0.95 on another's
/// (issue 29) — so every benchmark prints `summary` beside its figures.
public enum ComputePlatform {
  /// The CPU's model name as /proc/cpuinfo gives it (e.g. "AMD EPYC").
  public static var cpuModel: String { OpenBLASCore.cpuInfoField("model name") }

  /// The CPU's vendor id (e.g. "AuthenticAMD").
  public static var vendor: String { OpenBLASCore.cpuVendor() }

  /// The SIMD extensions that matter to the kernels here, in the order of their width, that the
  /// CPU reports.
  public static var vectorExtensions: [String] {
    let flags = OpenBLASCore.cpuFlags()
    return [
      "sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq",
      "avx512_bf16",
    ].filter(flags.contains)
  }

  /// The level of OrbitCompute's elementwise kernels in use: avx512, avx2 or generic.
  public static var kernelLevel: String { Kernels.level.rawValue }

  /// One line: CPU, vendor, vector extensions, OrbitCompute kernel level, OpenBLAS core and
  /// configuration, and any OPENBLAS_CORETYPE override in `environment`.
  public static func summary(environment: [String: String]) -> String {
    let override = environment["OPENBLAS_CORETYPE"].map { " (OPENBLAS_CORETYPE=\($0))" } ?? ""
    return "CPU: \(cpuModel) (\(vendor)); vector: \(vectorExtensions.joined(separator: " ")); "
      + "Orbit kernels: \(kernelLevel); OpenBLAS core: \(OpenBLASCore.coreName)\(override); "
      + "OpenBLAS config: \(OpenBLASCore.configuration)"
  }
}
