/// A fully connected layer with bias and a fused activation: y = act(x·W + b).
///
/// W is stored in×out (row-major), so the forward pass is one `sgemm` without transposes. With
/// `rowsPerSample` > 1 the same layer is applied to each of a sample's rows (DeepSets' per-element
/// network). FLOPs: forward 2·in·out per row, backward 2·in·out for the weight gradient plus
/// 2·in·out for the input gradient when one is needed (so 6·in·out per row in a hidden layer).
final class DenseLayer: Layer {
  let inputs: Int
  let outputs: Int
  let rowsPerSample: Int
  let activation: Activation
  private var weights: UnsafeMutablePointer<Float>!
  private var biases: UnsafeMutablePointer<Float>!
  private var weightGradient: UnsafeMutablePointer<Float>!
  private var biasGradient: UnsafeMutablePointer<Float>!
  private var preActivation: FloatBuffer?
  private var stackedWeights: FloatBuffer?
  private var stackedGradient: FloatBuffer?

  /// A layer from `inputs` to `outputs` features, applied to `rowsPerSample` rows per sample.
  init(inputs: Int, outputs: Int, activation: Activation, rowsPerSample: Int = 1) {
    self.inputs = inputs
    self.outputs = outputs
    self.activation = activation
    self.rowsPerSample = rowsPerSample
  }

  var inputWidth: Int { inputs * rowsPerSample }
  var outputWidth: Int { outputs * rowsPerSample }
  var weightCount: Int { inputs * outputs }
  var biasCount: Int { outputs }
  var forwardMultiplyAdds: Int { inputs * outputs * rowsPerSample }

  func bind(
    parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>, maxBatch: Int
  ) {
    weights = parameters
    biases = parameters + weightCount
    weightGradient = gradients
    biasGradient = gradients + weightCount
    if activation.needsPreActivation {
      preActivation = FloatBuffer(count: maxBatch * outputWidth)
    }
  }

  func initialize(_ random: inout RandomSource, scheme: InitScheme) {
    initializeParameters(
      weights: weights, count: weightCount, biases: biases, biasCount: biasCount, fanIn: inputs,
      scheme: scheme, random: &random)
  }

  func forward(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int,
    product: MatrixProduct
  ) {
    let rows = batch * rowsPerSample
    product.multiply(
      transposeA: false, transposeB: false, m: rows, n: outputs, k: inputs, a: input, lda: inputs,
      b: weights, ldb: outputs, beta: 0, c: output, ldc: outputs)
    activation.forward(
      output, rows: rows, columns: outputs, bias: biases, preActivation: preActivation?.pointer)
  }

  func backward(
    input: UnsafePointer<Float>, output: UnsafePointer<Float>,
    outputGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
    batch: Int, product: MatrixProduct
  ) {
    let rows = batch * rowsPerSample
    activation.backward(
      outputGradient, output: output, rows: rows, columns: outputs,
      preActivation: preActivation?.pointer, biasGradient: biasGradient)
    // dW = xᵀ·g (in×out).
    product.multiply(
      transposeA: true, transposeB: false, m: inputs, n: outputs, k: rows, a: input, lda: inputs,
      b: outputGradient, ldb: outputs, beta: 0, c: weightGradient, ldc: outputs)
    if let inputGradient {
      // dx = g·Wᵀ (rows×in).
      product.multiply(
        transposeA: false, transposeB: true, m: rows, n: inputs, k: outputs, a: outputGradient,
        lda: outputs, b: weights, ldb: outputs, beta: 0, c: inputGradient, ldc: inputs)
    }
  }

  // MARK: First layer of a symmetrized network

  /// Allocates the stacked weights for `symmetrizedForward`.
  func prepareSymmetrized(group: GroupAction) {
    stackedWeights = FloatBuffer(count: inputs * group.order * outputs)
    stackedGradient = FloatBuffer(count: inputs * group.order * outputs)
  }

  /// The layer applied to every transformed copy g·x of `samples` inputs at once, without
  /// expanding them: (g·x)·W = x·W⁽ᵍ⁾ with W⁽ᵍ⁾[map_g(i)] = W[i], so one product with the stacked
  /// [W⁽⁰⁾ | W⁽¹⁾ | …] (in × |G|·out, an efficient shape) gives the rows b·|G| + g directly.
  func symmetrizedForward(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, samples: Int,
    group: GroupAction, product: MatrixProduct
  ) {
    let stacked = stackedWeights!.pointer
    let width = group.order * outputs
    for element in 0..<group.order {
      for index in 0..<inputs {
        (stacked + group.source(element, index) * width + element * outputs).update(
          from: weights + index * outputs, count: outputs)
      }
    }
    product.multiply(
      transposeA: false, transposeB: false, m: samples, n: width, k: inputs, a: input,
      lda: inputs, b: stacked, ldb: width, beta: 0, c: output, ldc: width)
    activation.forward(
      output, rows: samples * group.order, columns: outputs, bias: biases,
      preActivation: preActivation?.pointer)
  }

  /// Parameter gradients for `symmetrizedForward` (no input gradient: it is the first layer).
  func symmetrizedBackward(
    input: UnsafePointer<Float>, output: UnsafePointer<Float>,
    outputGradient: UnsafeMutablePointer<Float>, samples: Int, group: GroupAction,
    product: MatrixProduct
  ) {
    let width = group.order * outputs
    activation.backward(
      outputGradient, output: output, rows: samples * group.order, columns: outputs,
      preActivation: preActivation?.pointer, biasGradient: biasGradient)
    let stacked = stackedGradient!.pointer
    product.multiply(
      transposeA: true, transposeB: false, m: inputs, n: width, k: samples, a: input,
      lda: inputs, b: outputGradient, ldb: width, beta: 0, c: stacked, ldc: width)
    weightGradient.update(repeating: 0, count: weightCount)
    for element in 0..<group.order {
      for index in 0..<inputs {
        let source = stacked + group.source(element, index) * width + element * outputs
        Kernels.accumulate(weightGradient + index * outputs, source, count: outputs)
      }
    }
  }
}
