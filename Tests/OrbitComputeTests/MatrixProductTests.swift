import Testing

@testable import OrbitCompute

#if canImport(Glibc)
  import Glibc
#endif

/// The engine's faster roads for some products (transpose then multiply; outer product for
/// K = 1) against the plain `cblas_sgemm` call, on shapes with ragged 8×8 edges and strides.
struct MatrixProductTests {
  @Test(arguments: [
    (128, 64, 64, 64, 64), (37, 21, 13, 13, 24), (5, 9, 8, 8, 12), (16, 40, 1, 1, 40),
    (7, 3, 1, 1, 5), (9, 90, 100, 100, 90),
  ])
  func engineProductMatchesThePlainCall(shape: (Int, Int, Int, Int, Int)) {
    // C[m×n] = A[m×k] · Bᵀ with B stored n×k (leading dimension ldb ≥ k), C with stride ldc.
    let (m, n, k, ldb, ldc) = shape
    var random = RandomSource(seed: 11)
    let a = FloatBuffer(count: m * k)
    let b = FloatBuffer(count: n * ldb)
    random.fillNormal(a.elements)
    random.fillNormal(b.elements)
    let fast = FloatBuffer(count: m * ldc)
    let plain = FloatBuffer(count: m * ldc)
    fast.pointer.update(repeating: -7, count: m * ldc)
    plain.pointer.update(repeating: -7, count: m * ldc)
    let product = MatrixProduct()
    product.recordedShapes = []
    product.multiply(
      transposeA: false, transposeB: true, m: m, n: n, k: k, a: a.pointer, lda: k,
      b: b.pointer, ldb: ldb, beta: 0, c: fast.pointer, ldc: ldc)
    MatrixProduct.run(
      transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: k,
      b: b.pointer, ldb: ldb, beta: 0, c: plain.pointer, ldc: ldc)
    WinogradTests.expectClose(fast.array, plain.array, "product")
    // Columns past n in each row of C are not the product's: left as they were.
    for row in 0..<m {
      for column in n..<ldc { #expect(fast.pointer[row * ldc + column] == -7) }
    }
    #expect(
      product.recordedShapes
        == [GEMMShape(transposeA: false, transposeB: true, m: m, n: n, k: k, beta: 0)],
      "the bound replays the product as asked for")
    #expect(product.flops == 2 * Double(m * n * k))
  }
}

/// scripts/test runs the compute suites again with ORBIT_KERNELS=avx2 and =generic, so that the
/// narrower kernels (what an AVX2-only or older node runs) pass the same goldens and gradient
/// checks; this makes sure the override took effect.
struct KernelLevelTests {
  @Test func theForcedLevelIsTheOneInUse() throws {
    guard let raw = getenv("ORBIT_KERNELS") else { return }
    let forced = try #require(Kernels.Level(rawValue: String(cString: raw)))
    let flags = OpenBLASCore.cpuFlags()
    let available: Bool
    switch forced {
    case .avx512: available = flags.contains("avx512f")
    case .avx2: available = flags.contains("avx2")
    case .generic: available = true
    }
    if available { #expect(Kernels.level == forced) }
  }
}
