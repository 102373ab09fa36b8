/// One training step of a fixed model, timed by the benchmarks (issue 4's B1–B3): Adam, MSE,
/// PyTorch's default init, 16 pre-made batches of x ~ N(0, 1), y ~ N(0, 1) cycled.
///
/// Public so that `bench/` can time the engine's own step; not for training studies.
public final class StepBenchmark {
  /// The benchmarked architectures.
  public enum Model: Sendable {
    /// inputs → width (×hiddenLayers, ReLU) → 1.
    case mlp(inputs: Int, width: Int, hiddenLayers: Int)
    /// A length-L signal, 1 → C → … → C channels (convLayers circular convolutions, kernel k,
    /// ReLU), global average pool, dense C → 1.
    case circularConvolution(length: Int, channels: Int, kernel: Int, convLayers: Int)
  }

  public let model: Model
  public let batch: Int
  private let network: Network
  private let optimizer: Optimizer
  private let inputs: FloatBuffer
  private let targets: FloatBuffer
  private let outputGradient: FloatBuffer
  private let batchCount: Int
  private var next = 0

  /// Builds the network and `batches` pre-made batches from `seed`.
  public init(model: Model, batch: Int, batches: Int = 16, seed: UInt64 = 0) {
    self.model = model
    self.batch = batch
    batchCount = batches
    let layers: [any Layer]
    let inputWidth: Int
    switch model {
    case .mlp(let inputCount, let width, let hiddenLayers):
      var built: [any Layer] = []
      var previous = inputCount
      for _ in 0..<hiddenLayers {
        built.append(DenseLayer(inputs: previous, outputs: width, activation: .relu))
        previous = width
      }
      built.append(DenseLayer(inputs: previous, outputs: 1, activation: .identity))
      layers = built
      inputWidth = inputCount
    case .circularConvolution(let length, let channels, let kernel, let convLayers):
      var built: [any Layer] = []
      for index in 0..<convLayers {
        built.append(
          CircularConvolutionLayer(
            channelsIn: index == 0 ? 1 : channels, channelsOut: channels, kernel: kernel,
            length: length, activation: .relu, inputIsSampleMajor: index == 0))
      }
      built.append(GlobalAveragePoolLayer(channels: channels, length: length))
      built.append(DenseLayer(inputs: channels, outputs: 1, activation: .identity))
      layers = built
      inputWidth = length
    }
    network = Network(layers: layers, inputWidth: inputWidth, maxBatch: batch)
    var random = RandomSource(seed: seed)
    network.initialize(&random, scheme: .pytorch)
    optimizer = Optimizer(kind: .adam, parameterCount: network.parameterCount)
    inputs = FloatBuffer(count: batches * batch * inputWidth)
    targets = FloatBuffer(count: batches * batch)
    random.fillNormal(inputs.elements)
    random.fillNormal(targets.elements)
    outputGradient = FloatBuffer(count: batch)
  }

  /// Number of weights (no biases).
  public var weightCount: Int { network.parameterCount - network.biasCount }

  /// The FLOP rule for a step: 6 × weights × batch, a convolution's weights counted at
  /// each of the L positions they are applied to.
  public var nominalFlopsPerStep: Double {
    switch model {
    case .mlp: return 6 * Double(weightCount) * Double(batch)
    case .circularConvolution(let length, let channels, _, _):
      let denseWeights = channels
      return 6 * Double(batch)
        * (Double(weightCount - denseWeights) * Double(length)
          + Double(denseWeights))
    }
  }

  /// One Adam step (lr 1e-3) on the next pre-made batch; returns the batch loss.
  @discardableResult
  public func step() -> Double {
    let width = network.inputWidth
    let x = inputs.pointer + next * batch * width
    let y = targets.pointer + next * batch
    next = (next + 1) % batchCount
    let output = network.forward(x, batch: batch)
    let loss = Loss.meanSquaredError(
      prediction: output, target: y, count: batch, gradient: outputGradient.pointer)
    optimizer.beginStep(learningRate: 1e-3)
    network.backward(
      input: x, outputGradient: outputGradient.pointer, batch: batch, updating: optimizer)
    return loss
  }

  /// The `sgemm` calls one step issues, in order.
  public func recordedProducts() -> [GEMMShape] {
    network.product.recordedShapes = []
    step()
    let shapes = network.product.recordedShapes ?? []
    network.product.recordedShapes = nil
    return shapes
  }

  /// The products of the same step done the common way, im2col + `sgemm` for each convolution
  /// (the bound for B3); for an MLP, the products the step issues.
  public func boundProducts() -> [GEMMShape] {
    guard case .circularConvolution(let length, let channels, let kernel, let convLayers) = model
    else { return recordedProducts() }
    let rows = batch * length
    var shapes: [GEMMShape] = []
    for index in 0..<convLayers {
      let columns = (index == 0 ? 1 : channels) * kernel
      shapes.append(
        GEMMShape(transposeA: false, transposeB: false, m: rows, n: channels, k: columns, beta: 0))
    }
    shapes.append(
      GEMMShape(transposeA: false, transposeB: false, m: batch, n: 1, k: channels, beta: 0))
    shapes.append(
      GEMMShape(transposeA: true, transposeB: false, m: channels, n: 1, k: batch, beta: 0))
    shapes.append(
      GEMMShape(transposeA: false, transposeB: true, m: batch, n: channels, k: 1, beta: 0))
    for index in (0..<convLayers).reversed() {
      let columns = (index == 0 ? 1 : channels) * kernel
      shapes.append(
        GEMMShape(transposeA: true, transposeB: false, m: columns, n: channels, k: rows, beta: 0))
      if index > 0 {
        shapes.append(
          GEMMShape(transposeA: false, transposeB: true, m: rows, n: columns, k: channels, beta: 0))
      }
    }
    return shapes
  }
}
