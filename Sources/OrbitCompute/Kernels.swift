import CBLAS

#if canImport(Glibc)
  import Glibc
#endif

/// The elementwise kernels of Sources/CBLAS/kernels.h, dispatched once to the widest vector
/// instructions this CPU has (Swift itself compiles for baseline x86-64, i.e. SSE2).
///
/// `ORBIT_KERNELS=generic|avx2|avx512` in the environment forces a level (for tests and
/// comparisons); a level the CPU lacks is never chosen.
enum Kernels {
  enum Level: String, Sendable {
    case avx512
    case avx2
    case generic
  }

  /// The level in use for this process.
  static let level: Level = {
    let flags = OpenBLASCore.cpuFlags()
    let hasAVX512 = ["avx512f", "avx512vl", "avx512bw", "avx512dq"].allSatisfy(flags.contains)
    let hasAVX2 = flags.contains("avx2") && flags.contains("fma")
    let best: Level = hasAVX512 ? .avx512 : hasAVX2 ? .avx2 : .generic
    guard let raw = getenv("ORBIT_KERNELS"), let forced = Level(rawValue: String(cString: raw))
    else { return best }
    switch forced {
    case .avx512: return hasAVX512 ? .avx512 : best
    case .avx2: return hasAVX2 ? .avx2 : best
    case .generic: return .generic
    }
  }()

  /// The activations the kernels implement, as the kernels number them.
  static func kernelCode(_ activation: Activation) -> Int32? {
    switch activation {
    case .identity: return 0
    case .relu: return 1
    case .tanh: return 2
    case .gelu: return nil
    }
  }

  /// y[r][c] = act(y[r][c] + b[c]) for act of `kernelCode`.
  @inline(__always)
  static func biasActivation(
    _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns: Int,
    code flag: Int32
  ) {
    switch level {
    case .avx512: orbit_bias_activation_avx512(y, bias, rows, columns, flag)
    case .avx2: orbit_bias_activation_avx2(y, bias, rows, columns, flag)
    case .generic: orbit_bias_activation_generic(y, bias, rows, columns, flag)
    }
  }

  /// g = act'(y)·g, and db = Σ_rows g when `biasGradient` is given.
  @inline(__always)
  static func activationBackward(
    _ g: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>,
    biasGradient: UnsafeMutablePointer<Float>?, rows: Int, columns: Int, code flag: Int32
  ) {
    switch level {
    case .avx512: orbit_activation_backward_avx512(g, output, biasGradient, rows, columns, flag)
    case .avx2: orbit_activation_backward_avx2(g, output, biasGradient, rows, columns, flag)
    case .generic: orbit_activation_backward_generic(g, output, biasGradient, rows, columns, flag)
    }
  }

  /// One Adam/AdamW update over `count` parameters.
  @inline(__always)
  static func adam(
    parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
    firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
    count: Int, beta1: Float, beta2: Float, stepSize: Float, inverseRoot2: Float, epsilon: Float,
    l2: Float, shrink: Float
  ) {
    switch level {
    case .avx512:
      orbit_adam_avx512(
        parameters, gradients, firstMoment, secondMoment, count, beta1, beta2, stepSize,
        inverseRoot2, epsilon, l2, shrink)
    case .avx2:
      orbit_adam_avx2(
        parameters, gradients, firstMoment, secondMoment, count, beta1, beta2, stepSize,
        inverseRoot2, epsilon, l2, shrink)
    case .generic:
      orbit_adam_generic(
        parameters, gradients, firstMoment, secondMoment, count, beta1, beta2, stepSize,
        inverseRoot2, epsilon, l2, shrink)
    }
  }

  /// out[r][c] += x[r]·w[c].
  @inline(__always)
  static func rank1Rows(
    _ out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
    rows: Int, columns: Int
  ) {
    switch level {
    case .avx512: orbit_rank1_rows_avx512(out, x, w, rows, columns)
    case .avx2: orbit_rank1_rows_avx2(out, x, w, rows, columns)
    case .generic: orbit_rank1_rows_generic(out, x, w, rows, columns)
    }
  }

  /// dw[c] += Σ_r x[r]·g[r][c].
  @inline(__always)
  static func rank1Gradient(
    _ dw: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, g: UnsafePointer<Float>,
    rows: Int, columns: Int
  ) {
    switch level {
    case .avx512: orbit_rank1_gradient_avx512(dw, x, g, rows, columns)
    case .avx2: orbit_rank1_gradient_avx2(dw, x, g, rows, columns)
    case .generic: orbit_rank1_gradient_generic(dw, x, g, rows, columns)
    }
  }

  /// y[i] += x[i].
  @inline(__always)
  static func accumulate(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    switch level {
    case .avx512: orbit_accumulate_avx512(y, x, count)
    case .avx2: orbit_accumulate_avx2(y, x, count)
    case .generic: orbit_accumulate_generic(y, x, count)
    }
  }

  /// y[i] = x[i]·s.
  @inline(__always)
  static func scale(
    _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, by s: Float, count: Int
  ) {
    switch level {
    case .avx512: orbit_scale_avx512(y, x, s, count)
    case .avx2: orbit_scale_avx2(y, x, s, count)
    case .generic: orbit_scale_generic(y, x, s, count)
    }
  }

  /// out[o] (+)= Σ_i coefficients[o][i]·in[i], elementwise over `length` floats.
  @inline(__always)
  static func transform(
    out: UnsafePointer<UnsafeMutablePointer<Float>?>,
    in inputs: UnsafePointer<UnsafePointer<Float>?>,
    coefficients: UnsafePointer<Float>, outputs: Int, inputCount: Int, length: Int,
    accumulate: Bool
  ) {
    let flag: Int32 = accumulate ? 1 : 0
    switch level {
    case .avx512:
      orbit_transform_avx512(out, inputs, coefficients, outputs, inputCount, length, flag)
    case .avx2:
      orbit_transform_avx2(out, inputs, coefficients, outputs, inputCount, length, flag)
    case .generic:
      orbit_transform_generic(out, inputs, coefficients, outputs, inputCount, length, flag)
    }
  }

  /// x[r] = Σ_k z[r][k]·et[k] (the manifold embedding, Eᵀ stored d×D).
  @inline(__always)
  static func expand(
    _ x: UnsafeMutablePointer<Float>, latents z: UnsafePointer<Float>,
    transposedEmbedding et: UnsafePointer<Float>, rows: Int, latentWidth d: Int, inputWidth: Int
  ) {
    switch level {
    case .avx512: orbit_expand_avx512(x, z, et, rows, d, inputWidth)
    case .avx2: orbit_expand_avx2(x, z, et, rows, d, inputWidth)
    case .generic: orbit_expand_generic(x, z, et, rows, d, inputWidth)
    }
  }

  /// dst (columns×rows) = srcᵀ, src rows×columns with leading dimension `sourceStride`.
  @inline(__always)
  static func transpose(
    _ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, rows: Int, columns: Int,
    sourceStride: Int
  ) {
    switch level {
    case .avx512, .avx2: orbit_transpose_avx2(dst, src, rows, columns, sourceStride)
    case .generic: orbit_transpose_generic(dst, src, rows, columns, sourceStride)
    }
  }

  /// out[r·stride + c] = x[r]·w[c].
  @inline(__always)
  static func outer(
    _ out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
    rows: Int, columns: Int, stride: Int
  ) {
    switch level {
    case .avx512: orbit_outer_avx512(out, x, w, rows, columns, stride)
    case .avx2: orbit_outer_avx2(out, x, w, rows, columns, stride)
    case .generic: orbit_outer_generic(out, x, w, rows, columns, stride)
    }
  }
}
