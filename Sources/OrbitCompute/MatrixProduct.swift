import CBLAS

/// Matrix products for the engine: row-major `cblas_sgemm` with OpenBLAS pinned to one thread,
/// and a counter of the floating-point operations issued.
///
/// Each trial owns one; the counter is the engine's compute figure C (2 per multiply–add). Two
/// shapes take a faster road than the plain call (`run`), both measured on OpenBLAS 0.3.21 at
/// B1's shapes: a product with a transposed, small B (an input gradient g·Wᵀ) transposes B into
/// a scratch block and multiplies without transposes (OpenBLAS's small-matrix nt kernel takes
/// 12.8 µs at 128×64×64 where nn takes 10.2 µs and the transpose 0.23 µs); a K = 1 product (the
/// input gradient of a one-output layer) is an outer product in one vector pass (0.9 µs as a
/// call). Recorded shapes stay the products as asked for, so the benchmarks' bound replays them
/// as plain `cblas_sgemm` calls.
final class MatrixProduct {
  /// Floating-point operations issued since the last reset (2·M·N·K per product).
  var flops: Double = 0
  /// When set, every product's shape is appended here (for the GEMM-bound benchmark).
  var recordedShapes: [GEMMShape]?
  /// The largest B (in elements) transposed before a product. At 128×128 the transpose leaves
  /// L1 and costs about what it saves; at 256×256 it costs more (14.7 µs against 10 µs saved).
  static let transposeLimit = 8192
  private let transposed = FloatBuffer(count: MatrixProduct.transposeLimit)

  /// Pins OpenBLAS to the calling thread before any product can run.
  init() { OpenBLASCore.pinToOneThread() }

  /// C[M×N] = alpha · op(A) · op(B) + beta · C, all row-major.
  /// - Parameters:
  ///   - transposeA: use Aᵀ, where A is stored K×M; otherwise A is M×K.
  ///   - transposeB: use Bᵀ, where B is stored N×K; otherwise B is K×N.
  @inline(__always)
  func multiply(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, counted: Bool = true
  ) {
    if m == 0 || n == 0 { return }
    if counted { flops += 2 * Double(m) * Double(n) * Double(k) }
    if recordedShapes != nil {
      recordedShapes!.append(
        GEMMShape(
          transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, beta: beta))
    }
    if !transposeA && transposeB && n > 1 && alpha == 1 && beta == 0 {
      if k == 1 && lda == 1 && ldb == 1 {
        Kernels.outer(c, x: a, w: b, rows: m, columns: n, stride: ldc)
        return
      }
      if k > 1 && n * k <= Self.transposeLimit {
        Kernels.transpose(transposed.pointer, b, rows: n, columns: k, sourceStride: ldb)
        Self.run(
          transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
          b: transposed.pointer, ldb: n, beta: 0, c: c, ldc: ldc)
        return
      }
    }
    Self.run(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a,
      lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
  }
}

extension MatrixProduct {
  /// The product itself. A one-column result goes through `cblas_sgemv`: OpenBLAS 0.3.21's
  /// small-matrix sgemm kernels for SkylakeX/Cooperlake call `malloc` (1 KiB) on every call with
  /// N = 1 (a network's output layer), which would put an allocation in every training step.
  @inline(__always)
  static func run(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    if n == 1 {
      // C (m×1, stride ldc) = op(A) (m×k) · b (k, stride ldb, or 1 when B is stored 1×k).
      cblas_sgemv(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, Int32(transposeA ? k : m),
        Int32(transposeA ? m : k), alpha, a, Int32(lda), b, Int32(transposeB ? 1 : ldb), beta, c,
        Int32(ldc))
      return
    }
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
      b, Int32(ldb), beta, c, Int32(ldc))
  }
}

/// The shape of one `cblas_sgemm` call, recorded to replay a step's products alone.
public struct GEMMShape: Sendable, Hashable {
  /// Whether A is used transposed.
  public var transposeA: Bool
  /// Whether B is used transposed.
  public var transposeB: Bool
  /// Rows of the result.
  public var m: Int
  /// Columns of the result.
  public var n: Int
  /// The inner dimension.
  public var k: Int
  /// 0 to overwrite the result, 1 to accumulate.
  public var beta: Float

  /// Describes one product C[m×n] (+)= op(A)[m×k] · op(B)[k×n].
  public init(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, beta: Float) {
    self.transposeA = transposeA
    self.transposeB = transposeB
    self.m = m
    self.n = n
    self.k = k
    self.beta = beta
  }

  /// 2·m·n·k.
  public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// Replays a list of `cblas_sgemm` shapes on preallocated operands: the "bound" of a step.
///
/// Used by the benchmarks to time a training step's matrix products alone, in the same process
/// and with the same OpenBLAS kernel as the step itself. Each product gets operands of its own,
/// as in the real step, so cache behaviour is not flattered.
public final class GEMMReplay {
  private let shapes: [GEMMShape]
  private let operands: [(a: FloatBuffer, b: FloatBuffer, c: FloatBuffer)]

  /// Allocates operands for every shape and fills them with small values.
  public init(shapes: [GEMMShape]) {
    OpenBLASCore.pinToOneThread()
    self.shapes = shapes
    var random = RandomSource(seed: 1)
    operands = shapes.map { shape in
      let a = FloatBuffer(count: shape.m * shape.k)
      let b = FloatBuffer(count: shape.k * shape.n)
      random.fillUniform(a.elements, bound: 0.1)
      random.fillUniform(b.elements, bound: 0.1)
      return (a, b, FloatBuffer(count: shape.m * shape.n))
    }
  }

  /// The products' total floating-point operations.
  public var flops: Double { shapes.reduce(0) { $0 + $1.flops } }

  /// Runs every product once.
  public func run() {
    for (shape, operand) in zip(shapes, operands) {
      MatrixProduct.run(
        transposeA: shape.transposeA, transposeB: shape.transposeB, m: shape.m, n: shape.n,
        k: shape.k, alpha: 1, a: operand.a.pointer, lda: shape.transposeA ? shape.m : shape.k,
        b: operand.b.pointer, ldb: shape.transposeB ? shape.k : shape.n, beta: shape.beta,
        c: operand.c.pointer, ldc: shape.n)
    }
  }
}
