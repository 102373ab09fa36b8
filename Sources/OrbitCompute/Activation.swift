#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An elementwise nonlinearity, fused into the layer before it with that layer's bias: one pass
/// over the output forward (bias + activation) and one backward (activation' and bias gradient).
enum Activation: String, Sendable, CaseIterable {
  case identity
  case relu
  case tanh
  case gelu

  /// Whether backward needs the pre-activation values kept (GELU's derivative is not a function of
  /// its output).
  var needsPreActivation: Bool { self == .gelu }

  /// values[r, c] = act(values[r, c] + bias[c]) for `rows` rows of `columns`; stores the
  /// pre-activation in `preActivation` when the activation needs it.
  func forward(
    _ values: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
    bias: UnsafePointer<Float>?, preActivation: UnsafeMutablePointer<Float>?
  ) {
    if let bias, let code = Kernels.kernelCode(self) {
      Kernels.biasActivation(values, bias: bias, rows: rows, columns: columns, code: code)
      return
    }
    for row in 0..<rows {
      let line = values + row * columns
      if let bias {
        for column in 0..<columns { line[column] += bias[column] }
      }
      switch self {
      case .identity:
        break
      case .relu:
        for column in 0..<columns { line[column] = max(line[column], 0) }
      case .tanh:
        for column in 0..<columns { line[column] = tanhf(line[column]) }
      case .gelu:
        let pre = preActivation! + row * columns
        for column in 0..<columns {
          let x = line[column]
          pre[column] = x
          line[column] = 0.5 * x * (1 + erff(x * 0.707_106_781_186_547_5))
        }
      }
    }
  }

  /// gradient[r, c] *= act'(·) given the layer's `output` (and pre-activation for GELU), and
  /// biasGradient[c] = Σ_r gradient[r, c] when a bias gradient is asked for.
  func backward(
    _ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, rows: Int,
    columns: Int, preActivation: UnsafePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?
  ) {
    if let code = Kernels.kernelCode(self) {
      Kernels.activationBackward(
        gradient, output: output, biasGradient: biasGradient, rows: rows, columns: columns,
        code: code)
      return
    }
    if let biasGradient { biasGradient.update(repeating: 0, count: columns) }
    for row in 0..<rows {
      let line = gradient + row * columns
      let out = output + row * columns
      switch self {
      case .identity:
        break
      case .relu:
        for column in 0..<columns { line[column] = out[column] > 0 ? line[column] : 0 }
      case .tanh:
        for column in 0..<columns { line[column] *= 1 - out[column] * out[column] }
      case .gelu:
        let pre = preActivation! + row * columns
        for column in 0..<columns {
          let x = pre[column]
          let cdf = 0.5 * (1 + erff(x * 0.707_106_781_186_547_5))
          let pdf = expf(-0.5 * x * x) * 0.398_942_280_401_432_7
          line[column] *= cdf + x * pdf
        }
      }
      if let biasGradient {
        for column in 0..<columns { biasGradient[column] += line[column] }
      }
    }
  }
}
