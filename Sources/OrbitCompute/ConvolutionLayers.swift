/// A circular 1-D convolution, stride 1, "same" length, as PyTorch's
/// `Conv1d(padding: k/2, padding_mode: "circular")`: out[l] = Σ_j in[(l + j − k/2) mod L]·W_j + b.
///
/// Activations are stored position-major, [L][batch][channels], so that a shift of the input by
/// s positions is a contiguous block of rows: the convolution is k (×2 at the wrap) `sgemm`s
/// straight on the activations, with no im2col copy. One input channel (the first layer) uses a
/// direct loop instead of rank-1 products. With `inputIsSampleMajor` the layer first transposes a
/// [batch][L][channels] input. FLOPs: 2·C_in·C_out·k·L per sample forward, the same for the weight
/// gradient, and again for the input gradient when it is needed.
final class CircularConvolutionLayer: Layer {
  let channelsIn: Int
  let channelsOut: Int
  let kernel: Int
  let length: Int
  let activation: Activation
  let inputIsSampleMajor: Bool
  private var weights: UnsafeMutablePointer<Float>!
  private var biases: UnsafeMutablePointer<Float>!
  private var weightGradient: UnsafeMutablePointer<Float>!
  private var biasGradient: UnsafeMutablePointer<Float>!
  private var preActivation: FloatBuffer?
  private var transposedInput: FloatBuffer?
  /// The Winograd path for wide layers (see `WinogradConvolution.plan`), nil for the sgemm taps.
  private var winograd: WinogradConvolution?
  /// Taps in the order that lets the zero shift (one full segment) overwrite first.
  private let tapOrder: [Int]

  /// Whether wide layers may take the Winograd path (tests turn it off to compare).
  let allowsWinograd: Bool

  init(
    channelsIn: Int, channelsOut: Int, kernel: Int, length: Int, activation: Activation,
    inputIsSampleMajor: Bool, allowsWinograd: Bool = true
  ) {
    self.allowsWinograd = allowsWinograd
    self.channelsIn = channelsIn
    self.channelsOut = channelsOut
    self.kernel = kernel
    self.length = length
    self.activation = activation
    self.inputIsSampleMajor = inputIsSampleMajor
    tapOrder = [kernel / 2] + (0..<kernel).filter { $0 != kernel / 2 }
  }

  var inputWidth: Int { channelsIn * length }
  var outputWidth: Int { channelsOut * length }
  var weightCount: Int { kernel * channelsIn * channelsOut }
  var biasCount: Int { channelsOut }
  var forwardMultiplyAdds: Int { kernel * channelsIn * channelsOut * length }

  func bind(
    parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>, maxBatch: Int
  ) {
    weights = parameters
    biases = parameters + weightCount
    weightGradient = gradients
    biasGradient = gradients + weightCount
    if activation.needsPreActivation { preActivation = FloatBuffer(count: maxBatch * outputWidth) }
    if inputIsSampleMajor { transposedInput = FloatBuffer(count: maxBatch * inputWidth) }
    if allowsWinograd,
      let tile = WinogradConvolution.outputsPerTile(
        kernel: kernel, length: length, channelsIn: channelsIn, channelsOut: channelsOut)
    {
      winograd = WinogradConvolution(
        outputsPerTile: tile, kernel: kernel, length: length, channelsIn: channelsIn,
        channelsOut: channelsOut, maxBatch: maxBatch)
    }
  }

  func initialize(_ random: inout RandomSource, scheme: InitScheme) {
    initializeParameters(
      weights: weights, count: weightCount, biases: biases, biasCount: biasCount,
      fanIn: channelsIn * kernel, scheme: scheme, random: &random)
  }

  /// Calls `body(outputStart, inputStart, count, isFirstSegment)` for the one or two contiguous
  /// runs of output positions that read input positions shifted by tap `tap`.
  @inline(__always)
  private func forEachSegment(tap: Int, _ body: (Int, Int, Int, Bool) -> Void) {
    let shift = ((tap - kernel / 2) % length + length) % length
    body(0, shift, length - shift, true)
    if shift > 0 { body(length - shift, 0, shift, false) }
  }

  private func positionMajor(_ input: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
    guard let transposedInput else { return input }
    let target = transposedInput.pointer
    for sample in 0..<batch {
      for position in 0..<length {
        let source = input + (sample * length + position) * channelsIn
        let destination = target + (position * batch + sample) * channelsIn
        destination.update(from: source, count: channelsIn)
      }
    }
    return UnsafePointer(target)
  }

  func forward(
    _ rawInput: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int,
    product: MatrixProduct
  ) {
    let input = positionMajor(rawInput, batch: batch)
    let rowsPerPosition = batch
    if channelsIn == 1 {
      directForward(input, output, batch: batch)
      product.flops += 2 * Double(batch * forwardMultiplyAdds)
    } else if let winograd {
      winograd.forward(
        input: input, weights: weights, output: output, batch: batch, product: product)
      product.flops += 2 * Double(batch * forwardMultiplyAdds)
    } else {
      var first = true
      for tap in tapOrder {
        let tapWeights = weights + tap * channelsIn * channelsOut
        forEachSegment(tap: tap) { out, inp, count, _ in
          product.multiply(
            transposeA: false, transposeB: false, m: count * rowsPerPosition, n: channelsOut,
            k: channelsIn, a: input + inp * rowsPerPosition * channelsIn, lda: channelsIn,
            b: tapWeights, ldb: channelsOut, beta: first ? 0 : 1,
            c: output + out * rowsPerPosition * channelsOut, ldc: channelsOut)
        }
        first = false
      }
    }
    activation.forward(
      output, rows: length * batch, columns: channelsOut, bias: biases,
      preActivation: preActivation?.pointer)
  }

  private func directForward(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int
  ) {
    let c = channelsOut
    output.update(repeating: 0, count: length * batch * c)
    for tap in 0..<kernel {
      let tapWeights = weights + tap * c
      forEachSegment(tap: tap) { out, inp, count, _ in
        Kernels.rank1Rows(
          output + out * batch * c, x: input + inp * batch, w: tapWeights, rows: count * batch,
          columns: c)
      }
    }
  }

  func backward(
    input rawInput: UnsafePointer<Float>, output: UnsafePointer<Float>,
    outputGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
    batch: Int, product: MatrixProduct
  ) {
    let input = transposedInput.map { UnsafePointer($0.pointer) } ?? rawInput
    precondition(inputGradient == nil || transposedInput == nil, "first layer has no input grad")
    activation.backward(
      outputGradient, output: output, rows: length * batch, columns: channelsOut,
      preActivation: preActivation?.pointer, biasGradient: biasGradient)
    if channelsIn == 1 {
      directBackward(input, outputGradient, inputGradient, batch: batch)
      let passes = inputGradient == nil ? 1.0 : 2.0
      product.flops += passes * 2 * Double(batch * forwardMultiplyAdds)
      return
    }
    if let winograd {
      winograd.backward(
        outputGradient: outputGradient, weightGradient: weightGradient,
        inputGradient: inputGradient, batch: batch, product: product)
      let passes = inputGradient == nil ? 1.0 : 2.0
      product.flops += passes * 2 * Double(batch * forwardMultiplyAdds)
      return
    }
    var first = true
    for tap in tapOrder {
      let tapWeights = weights + tap * channelsIn * channelsOut
      let tapGradient = weightGradient + tap * channelsIn * channelsOut
      forEachSegment(tap: tap) { out, inp, count, firstSegment in
        // dW_j += in[shifted]ᵀ · g.
        product.multiply(
          transposeA: true, transposeB: false, m: channelsIn, n: channelsOut, k: count * batch,
          a: input + inp * batch * channelsIn, lda: channelsIn,
          b: outputGradient + out * batch * channelsOut, ldb: channelsOut,
          beta: firstSegment ? 0 : 1, c: tapGradient, ldc: channelsOut)
        if let inputGradient {
          // d in[shifted] += g · W_jᵀ.
          product.multiply(
            transposeA: false, transposeB: true, m: count * batch, n: channelsIn, k: channelsOut,
            a: outputGradient + out * batch * channelsOut, lda: channelsOut, b: tapWeights,
            ldb: channelsOut, beta: first ? 0 : 1,
            c: inputGradient + inp * batch * channelsIn, ldc: channelsIn)
        }
      }
      first = false
    }
  }

  private func directBackward(
    _ input: UnsafePointer<Float>, _ gradient: UnsafePointer<Float>,
    _ inputGradient: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    let c = channelsOut
    weightGradient.update(repeating: 0, count: weightCount)
    inputGradient?.update(repeating: 0, count: length * batch)
    for tap in 0..<kernel {
      let tapGradient = weightGradient + tap * c
      let tapWeights = weights + tap * c
      forEachSegment(tap: tap) { out, inp, count, _ in
        Kernels.rank1Gradient(
          tapGradient, x: input + inp * batch, g: gradient + out * batch * c, rows: count * batch,
          columns: c)
        guard let inputGradient else { return }
        for row in 0..<(count * batch) {
          let line = gradient + (out * batch + row) * c
          var sum: Float = 0
          for channel in 0..<c { sum += line[channel] * tapWeights[channel] }
          inputGradient[inp * batch + row] += sum
        }
      }
    }
  }
}

/// Mean over positions of position-major [L][batch][C] activations, giving [batch][C]: the
/// translation-invariant readout of a circular convolution stack. No parameters, no FLOPs counted.
final class GlobalAveragePoolLayer: ParameterFreeLayer {
  let channels: Int
  let length: Int

  init(channels: Int, length: Int) {
    self.channels = channels
    self.length = length
  }

  var inputWidth: Int { channels * length }
  var outputWidth: Int { channels }
  func forward(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int,
    product: MatrixProduct
  ) {
    let rowWidth = batch * channels
    output.update(from: input, count: rowWidth)
    for position in 1..<length {
      Kernels.accumulate(output, input + position * rowWidth, count: rowWidth)
    }
    Kernels.scale(output, output, by: 1 / Float(length), count: rowWidth)
  }

  func backward(
    input: UnsafePointer<Float>, output: UnsafePointer<Float>,
    outputGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
    batch: Int, product: MatrixProduct
  ) {
    guard let inputGradient else { return }
    let rowWidth = batch * channels
    let scale = 1 / Float(length)
    for position in 0..<length {
      Kernels.scale(inputGradient + position * rowWidth, outputGradient, by: scale, count: rowWidth)
    }
  }
}
