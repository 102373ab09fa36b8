/// Builds a trial's student network from its settings.
enum ModelBuilder {
  /// The layers of `model` for inputs of `task` (one output: regression).
  static func layers(model: ModelSettings, task: TaskSettings) -> [any Layer] {
    let activation = model.activation
    let width = model.width
    switch model.kind {
    case .mlp:
      var layers: [any Layer] = []
      var inputs = task.inputWidth
      for _ in 0..<model.depth {
        layers.append(DenseLayer(inputs: inputs, outputs: width, activation: activation))
        inputs = width
      }
      layers.append(DenseLayer(inputs: inputs, outputs: 1, activation: .identity))
      return layers
    case .conv1d:
      let length = task.inputWidth
      var layers: [any Layer] = [
        CircularConvolutionLayer(
          channelsIn: 1, channelsOut: model.channels, kernel: model.kernel, length: length,
          activation: activation, inputIsSampleMajor: true)
      ]
      for _ in 1..<model.depth {
        layers.append(
          CircularConvolutionLayer(
            channelsIn: model.channels, channelsOut: model.channels, kernel: model.kernel,
            length: length, activation: activation, inputIsSampleMajor: false))
      }
      layers.append(GlobalAveragePoolLayer(channels: model.channels, length: length))
      layers.append(DenseLayer(inputs: model.channels, outputs: 1, activation: .identity))
      return layers
    case .deepsets:
      let elements = task.setSize
      var layers: [any Layer] = []
      var inputs = task.elementDimension
      for _ in 0..<model.depth {
        layers.append(
          DenseLayer(
            inputs: inputs, outputs: width, activation: activation, rowsPerSample: elements))
        inputs = width
      }
      layers.append(
        SetPoolingLayer(elements: elements, features: width, usesMean: model.pooling == .mean))
      for _ in 0..<model.rhoDepth {
        layers.append(DenseLayer(inputs: width, outputs: width, activation: activation))
      }
      layers.append(DenseLayer(inputs: width, outputs: 1, activation: .identity))
      return layers
    }
  }
}
