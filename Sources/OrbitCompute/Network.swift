/// A sequence of layers with one flat parameter vector, its gradient, and every activation and
/// gradient buffer allocated once for the largest batch.
///
/// With a `symmetrizingGroup` the network is averaged over the group: each sample is expanded into
/// its |G| transformed copies, the layers run on batch·|G| rows, and the outputs are averaged, so
/// the model is invariant by construction without further weight sharing.
final class Network {
  let layers: [any Layer]
  let inputWidth: Int
  let outputWidth: Int
  let maxBatch: Int
  /// All parameters, layer after layer, each layer's weights then biases.
  let parameters: FloatBuffer
  /// dLoss/dParameters, laid out as `parameters`.
  let gradients: FloatBuffer
  let product = MatrixProduct()
  let symmetrizingGroup: GroupAction?
  /// Where each layer's parameters start in `parameters`.
  private let parameterOffsets: [Int]
  private let activations: [FloatBuffer]
  /// Two buffers for the gradients at layer outputs, used alternately (layer i's output
  /// gradient lives in buffer i mod 2): backward needs only a layer's output and input gradient.
  private let gradientBuffers: [FloatBuffer]
  private let expandedInput: FloatBuffer?
  private let averagedOutput: FloatBuffer?
  /// The first layer when it applies itself to every group element at once (symmetrize with a
  /// dense first layer), so the input is never expanded.
  private let stackedFirstLayer: DenseLayer?

  /// Builds the buffers for batches of up to `maxBatch` samples.
  init(layers: [any Layer], inputWidth: Int, maxBatch: Int, symmetrizingGroup: GroupAction? = nil) {
    precondition(!layers.isEmpty)
    self.layers = layers
    self.inputWidth = inputWidth
    self.maxBatch = maxBatch
    self.symmetrizingGroup = symmetrizingGroup
    outputWidth = layers.last!.outputWidth
    let total = layers.reduce(0) { $0 + $1.parameterCount }
    parameters = FloatBuffer(count: total)
    gradients = FloatBuffer(count: total)
    let rows = maxBatch * (symmetrizingGroup?.order ?? 1)
    var offset = 0
    var width = inputWidth
    var offsets: [Int] = []
    for layer in layers {
      offsets.append(offset)
      precondition(layer.inputWidth == width, "layer widths do not chain")
      layer.bind(
        parameters: parameters.pointer + offset, gradients: gradients.pointer + offset,
        maxBatch: rows)
      offset += layer.parameterCount
      width = layer.outputWidth
    }
    parameterOffsets = offsets
    activations = layers.map { FloatBuffer(count: rows * $0.outputWidth) }
    let widest = layers.map(\.outputWidth).max()!
    gradientBuffers = [FloatBuffer(count: rows * widest), FloatBuffer(count: rows * widest)]
    if let group = symmetrizingGroup, let first = layers[0] as? DenseLayer,
      first.rowsPerSample == 1
    {
      first.prepareSymmetrized(group: group)
      stackedFirstLayer = first
    } else {
      stackedFirstLayer = nil
    }
    if symmetrizingGroup != nil {
      expandedInput = stackedFirstLayer == nil ? FloatBuffer(count: rows * inputWidth) : nil
      averagedOutput = FloatBuffer(count: maxBatch * outputWidth)
    } else {
      expandedInput = nil
      averagedOutput = nil
    }
  }

  /// Number of parameters, weights and biases.
  var parameterCount: Int { parameters.count }
  /// Number of biases.
  var biasCount: Int { layers.reduce(0) { $0 + $1.biasCount } }

  /// Draws every layer's parameters in order from `random`.
  func initialize(_ random: inout RandomSource, scheme: InitScheme) {
    for layer in layers { layer.initialize(&random, scheme: scheme) }
  }

  /// The network's output for `batch` samples of `input`; valid until the next forward.
  @discardableResult
  func forward(_ input: UnsafePointer<Float>, batch: Int) -> UnsafeMutablePointer<Float> {
    precondition(batch <= maxBatch)
    var rows = batch
    var current = input
    var firstLayer = 0
    if let group = symmetrizingGroup {
      rows = batch * group.order
      if let first = stackedFirstLayer {
        first.symmetrizedForward(
          input, activations[0].pointer, samples: batch, group: group, product: product)
        current = UnsafePointer(activations[0].pointer)
        firstLayer = 1
      } else if let expandedInput {
        for sample in 0..<batch {
          for element in 0..<group.order {
            group.apply(
              element, to: input + sample * inputWidth,
              into: expandedInput.pointer + (sample * group.order + element) * inputWidth)
          }
        }
        current = UnsafePointer(expandedInput.pointer)
      }
    }
    for index in firstLayer..<layers.count {
      layers[index].forward(current, activations[index].pointer, batch: rows, product: product)
      current = UnsafePointer(activations[index].pointer)
    }
    let last = activations[activations.count - 1].pointer
    guard let group = symmetrizingGroup, let averagedOutput else { return last }
    let scale = 1 / Float(group.order)
    for sample in 0..<batch {
      for column in 0..<outputWidth {
        var sum: Float = 0
        for element in 0..<group.order {
          sum += last[(sample * group.order + element) * outputWidth + column]
        }
        averagedOutput.pointer[sample * outputWidth + column] = sum * scale
      }
    }
    return averagedOutput.pointer
  }

  /// Sets `gradients` from dLoss/dOutput of the last `forward` (same input and batch).
  ///
  /// With an `optimizer` (after its `beginStep`), each layer's parameters are updated as soon as
  /// that layer's backward pass is done — its input gradient already used its old weights — while
  /// its gradient is still in cache: the same update as one pass over all parameters afterwards.
  func backward(
    input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, batch: Int,
    updating optimizer: Optimizer? = nil
  ) {
    var rows = batch
    var firstInput = input
    let lastGradient = gradientBuffers[(layers.count - 1) & 1].pointer
    if let group = symmetrizingGroup {
      rows = batch * group.order
      if let expandedInput { firstInput = UnsafePointer(expandedInput.pointer) }
      let scale = 1 / Float(group.order)
      for sample in 0..<batch {
        for element in 0..<group.order {
          for column in 0..<outputWidth {
            lastGradient[(sample * group.order + element) * outputWidth + column] =
              outputGradient[sample * outputWidth + column] * scale
          }
        }
      }
    } else {
      lastGradient.update(from: outputGradient, count: batch * outputWidth)
    }
    var index = layers.count - 1
    while index >= 0 {
      if index == 0, let first = stackedFirstLayer, let group = symmetrizingGroup {
        first.symmetrizedBackward(
          input: input, output: activations[0].pointer,
          outputGradient: gradientBuffers[0].pointer, samples: batch, group: group,
          product: product)
        update(layer: 0, with: optimizer)
        break
      }
      let layerInput = index == 0 ? firstInput : UnsafePointer(activations[index - 1].pointer)
      layers[index].backward(
        input: layerInput, output: activations[index].pointer,
        outputGradient: gradientBuffers[index & 1].pointer,
        inputGradient: index == 0 ? nil : gradientBuffers[(index - 1) & 1].pointer,
        batch: rows, product: product)
      update(layer: index, with: optimizer)
      index -= 1
    }
  }

  @inline(__always)
  private func update(layer index: Int, with optimizer: Optimizer?) {
    guard let optimizer else { return }
    let offset = parameterOffsets[index]
    optimizer.update(
      parameters.pointer + offset, gradients: gradients.pointer + offset, offset: offset,
      count: layers[index].parameterCount)
  }
}
