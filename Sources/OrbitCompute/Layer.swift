/// How a layer's weights and biases are drawn at the start of a trial.
enum InitScheme: String, Sendable, CaseIterable {
  /// PyTorch's default: weights and biases ~ U(−1/√fan_in, 1/√fan_in).
  case pytorch
  /// He (Kaiming) normal: weights ~ N(0, 2/fan_in), biases 0.
  case he
}

/// One layer of a network: forward and backward over a batch, with its parameters held in the
/// network's flat parameter vector (weights first, then biases).
///
/// Inputs and outputs are `batch` samples of `inputWidth` and `outputWidth` floats. Layers keep
/// whatever scratch they need, allocated in `bind` for the largest batch, never in a step.
protocol Layer: AnyObject {
  /// Floats per sample in.
  var inputWidth: Int { get }
  /// Floats per sample out.
  var outputWidth: Int { get }
  /// Number of weights (parameters that are not biases).
  var weightCount: Int { get }
  /// Number of biases.
  var biasCount: Int { get }
  /// Multiply–adds per sample of the forward pass (the FLOP rule: 2 per multiply–add).
  var forwardMultiplyAdds: Int { get }

  /// Points the layer at its slice of the parameter and gradient vectors and allocates scratch.
  func bind(
    parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>, maxBatch: Int)
  /// Draws the layer's parameters.
  func initialize(_ random: inout RandomSource, scheme: InitScheme)
  /// Computes `output` from `input` for `batch` samples.
  func forward(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int,
    product: MatrixProduct)
  /// Sets the parameter gradients and, when `inputGradient` is given, the input gradient, from
  /// `outputGradient` (which the layer may overwrite).
  func backward(
    input: UnsafePointer<Float>, output: UnsafePointer<Float>,
    outputGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
    batch: Int, product: MatrixProduct)
}

extension Layer {
  var parameterCount: Int { weightCount + biasCount }
}

/// A layer without parameters or scratch (pooling): it only maps inputs to outputs.
protocol ParameterFreeLayer: Layer {}

extension ParameterFreeLayer {
  var weightCount: Int { 0 }
  var biasCount: Int { 0 }
  var forwardMultiplyAdds: Int { 0 }

  func bind(
    parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>, maxBatch: Int
  ) {}

  func initialize(_ random: inout RandomSource, scheme: InitScheme) {}
}

/// Draws `count` weights and `biasCount` biases for a layer with fan-in `fanIn`.
func initializeParameters(
  weights: UnsafeMutablePointer<Float>, count: Int, biases: UnsafeMutablePointer<Float>,
  biasCount: Int, fanIn: Int, scheme: InitScheme, random: inout RandomSource
) {
  switch scheme {
  case .pytorch:
    let bound = 1 / Double(fanIn).squareRoot()
    random.fillUniform(UnsafeMutableBufferPointer(start: weights, count: count), bound: bound)
    random.fillUniform(UnsafeMutableBufferPointer(start: biases, count: biasCount), bound: bound)
  case .he:
    random.fillNormal(
      UnsafeMutableBufferPointer(start: weights, count: count),
      scale: (2 / Double(fanIn)).squareRoot())
    biases.update(repeating: 0, count: biasCount)
  }
}
