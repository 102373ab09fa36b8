import Testing

@testable import OrbitCompute

/// Analytic gradients of whole networks against central finite differences of the loss (summed
/// in Float64), on shapes large enough to take every kernel path (sgemm convolution taps with
/// wrap-around, the direct one-channel convolution, set pooling, group averaging).
struct GradientTests {
  static func task(_ parameters: [String: CoreValue]) throws -> CoreTrialConfig {
    try CoreTrialConfig(parameters: parameters)
  }

  /// Largest |analytic − numeric| / max|numeric| over a sample of parameters; with
  /// `kinkQuantile` < 1, that quantile instead of the maximum, because a difference step can
  /// straddle a ReLU kink, where the numeric derivative is meaningless.
  static func worstGradientError(
    config: CoreTrialConfig, batch: Int = 6, kinkQuantile: Double = 1
  ) -> Double {
    let layers = ModelBuilder.layers(model: config.model, task: config.task)
    let data = TaskData(settings: config.task, seed: 3, freshBatch: batch)
    let group = config.model.symmetry == .symmetrize ? data.group : nil
    let network = Network(
      layers: layers, inputWidth: data.inputWidth, maxBatch: batch, symmetrizingGroup: group)
    var random = RandomSource(seed: 11)
    network.initialize(&random, scheme: .pytorch)
    let scratch = FloatBuffer(count: batch * data.inputWidth)
    let x = data.inputs(data.validation, start: 0, count: batch, scratch: scratch.pointer)
    let y = data.validation.targets.pointer
    let gradient = FloatBuffer(count: batch)
    func loss() -> Double {
      let output = network.forward(x, batch: batch)
      var sum: Double = 0
      for index in 0..<batch {
        let difference = Double(output[index]) - Double(y[index])
        sum += difference * difference
      }
      return sum / Double(batch)
    }
    let output = network.forward(x, batch: batch)
    _ = Loss.meanSquaredError(
      prediction: output, target: y, count: batch, gradient: gradient.pointer)
    network.backward(input: x, outputGradient: gradient.pointer, batch: batch)
    let analytic = network.gradients.array
    let step: Float = 1.0 / 512
    var numeric: [Double] = []
    var checked: [Double] = []
    let stride = max(1, network.parameterCount / 150)
    for index in Swift.stride(from: 0, to: network.parameterCount, by: stride) {
      let saved = network.parameters.pointer[index]
      network.parameters.pointer[index] = saved + step
      let plus = loss()
      network.parameters.pointer[index] = saved - step
      let minus = loss()
      network.parameters.pointer[index] = saved
      numeric.append((plus - minus) / (2 * Double(step)))
      checked.append(Double(analytic[index]))
    }
    let scale = numeric.map(abs).max()!
    let errors = zip(checked, numeric).map { abs($0 - $1) / scale }.sorted()
    let index = min(errors.count - 1, Int((kinkQuantile * Double(errors.count)).rounded(.down)))
    return errors[kinkQuantile >= 1 ? errors.count - 1 : index]
  }

  @Test(arguments: [
    ["model.activation": CoreValue.string("relu")],
    ["model.activation": .string("tanh"), "model.depth": .int(3)],
    ["model.activation": .string("gelu")],
    // Widths that are multiples of 16 take the kernels' whole-vector paths.
    ["model.activation": .string("relu"), "model.width": .int(32)],
    ["model.activation": .string("tanh"), "model.width": .int(16)],
  ])
  func mlpGradients(extra: [String: CoreValue]) throws {
    var parameters: [String: CoreValue] = [
      "task.kind": .string("manifold"), "task.input_dim": .int(10), "model.width": .int(12),
    ]
    parameters.merge(extra) { _, new in new }
    let quantile = extra["model.activation"] == .string("relu") ? 0.95 : 1
    #expect(
      Self.worstGradientError(config: try Self.task(parameters), kinkQuantile: quantile) < 2e-3)
  }

  @Test(arguments: ["relu", "tanh", "gelu"])
  func circularConvolutionGradients(activation: String) throws {
    let config = try Self.task([
      "task.kind": .string("cyclic"), "task.length": .int(9), "model.kind": .string("conv1d"),
      "model.channels": .int(5), "model.kernel": .int(5), "model.depth": .int(3),
      "model.activation": .string(activation),
    ])
    // ReLU: 95 % of the parameters (kinks); its exact gradient is pinned by the numpy goldens.
    let quantile = activation == "relu" ? 0.95 : 1
    #expect(Self.worstGradientError(config: config, kinkQuantile: quantile) < 2e-3)
  }

  @Test func wideConvolutionGradientsThroughWinograd() throws {
    let config = try Self.task([
      "task.kind": .string("cyclic"), "task.length": .int(16), "model.kind": .string("conv1d"),
      "model.channels": .int(16), "model.kernel": .int(5), "model.depth": .int(2),
      "model.activation": .string("tanh"),
    ])
    #expect(Self.worstGradientError(config: config) < 2e-3)
  }

  @Test(arguments: ["sum", "mean"])
  func deepSetsGradients(pooling: String) throws {
    let config = try Self.task([
      "task.kind": .string("permutation"), "task.set_size": .int(4), "task.element_dim": .int(3),
      "model.kind": .string("deepsets"), "model.width": .int(8), "model.pooling": .string(pooling),
      "model.activation": .string("tanh"),
    ])
    #expect(Self.worstGradientError(config: config) < 2e-3)
  }

  @Test func symmetrizedGradientsOverCyclicShiftsAndPermutations() throws {
    let cyclic = try Self.task([
      "task.kind": .string("cyclic"), "task.length": .int(6), "model.width": .int(10),
      "model.symmetry": .string("symmetrize"), "model.activation": .string("tanh"),
    ])
    #expect(Self.worstGradientError(config: cyclic) < 2e-3)
    let permutation = try Self.task([
      "task.kind": .string("permutation"), "task.set_size": .int(3), "task.element_dim": .int(2),
      "model.width": .int(10), "model.symmetry": .string("symmetrize"),
      "model.activation": .string("tanh"),
    ])
    #expect(Self.worstGradientError(config: permutation) < 2e-3)
  }
}
