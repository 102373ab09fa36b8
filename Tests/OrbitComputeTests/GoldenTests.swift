import Foundation
import Testing

@testable import OrbitCompute

/// Forward outputs, losses, gradients and parameters after 10 optimiser steps, against the numpy
/// reference in golden/make_golden.py (regenerate with
/// `python3 Tests/OrbitComputeTests/golden/make_golden.py Tests/OrbitComputeTests/golden`).
struct GoldenTests {
  struct Case {
    var name: String
    var params: [Float]
    var x: [Float]
    var y: [Float]
    var output: [Double]
    var loss: Double
    var grad: [Double]
    var adam10: [Double]
    var adamw10: [Double]
    var sgd10: [Double]
  }

  static var golden: [String: Any] {
    let url = Bundle.module.url(forResource: "golden/golden", withExtension: "json")!
    let data = try! Data(contentsOf: url)
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
  }

  static func goldenCase(_ name: String) -> Case {
    let cases = golden["cases"] as! [[String: Any]]
    let entry = cases.first { $0["name"] as! String == name }!
    func doubles(_ key: String) -> [Double] { (entry[key] as! [NSNumber]).map(\.doubleValue) }
    return Case(
      name: name, params: doubles("params").map(Float.init), x: doubles("x").map(Float.init),
      y: doubles("y").map(Float.init), output: doubles("output"),
      loss: (entry["loss"] as! NSNumber).doubleValue, grad: doubles("grad"),
      adam10: doubles("adam10"), adamw10: doubles("adamw10"), sgd10: doubles("sgd10"))
  }

  /// The Swift network of each golden case, as make_golden.py builds it.
  static func network(_ name: String) -> Network {
    switch name {
    case "mlp":
      return Network(
        layers: [
          DenseLayer(inputs: 5, outputs: 7, activation: .relu),
          DenseLayer(inputs: 7, outputs: 6, activation: .tanh),
          DenseLayer(inputs: 6, outputs: 4, activation: .gelu),
          DenseLayer(inputs: 4, outputs: 1, activation: .identity),
        ], inputWidth: 5, maxBatch: 4)
    case "conv1d":
      return Network(
        layers: [
          CircularConvolutionLayer(
            channelsIn: 1, channelsOut: 3, kernel: 3, length: 8, activation: .relu,
            inputIsSampleMajor: true),
          CircularConvolutionLayer(
            channelsIn: 3, channelsOut: 4, kernel: 5, length: 8, activation: .tanh,
            inputIsSampleMajor: false),
          GlobalAveragePoolLayer(channels: 4, length: 8),
          DenseLayer(inputs: 4, outputs: 1, activation: .identity),
        ], inputWidth: 8, maxBatch: 4)
    case "deepsets":
      return Network(
        layers: [
          DenseLayer(inputs: 2, outputs: 5, activation: .relu, rowsPerSample: 3),
          DenseLayer(inputs: 5, outputs: 5, activation: .gelu, rowsPerSample: 3),
          SetPoolingLayer(elements: 3, features: 5, usesMean: true),
          DenseLayer(inputs: 5, outputs: 4, activation: .tanh),
          DenseLayer(inputs: 4, outputs: 1, activation: .identity),
        ], inputWidth: 6, maxBatch: 4)
    default:
      return Network(
        layers: [
          DenseLayer(inputs: 4, outputs: 6, activation: .relu),
          DenseLayer(inputs: 6, outputs: 1, activation: .identity),
        ], inputWidth: 4, maxBatch: 4, symmetrizingGroup: .cyclicShifts(length: 4))
    }
  }

  /// |actual − expected| ≤ tolerance · max(|expected|, 0.1 · max|expected|) element-wise.
  static func expectClose(
    _ actual: [Float], _ expected: [Double], tolerance: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.count == expected.count, "\(what): count", sourceLocation: sourceLocation)
    let scale = expected.map(abs).max() ?? 1
    var worst = 0.0
    for (a, e) in zip(actual, expected) {
      worst = max(worst, abs(Double(a) - e) / max(abs(e), 0.1 * scale))
    }
    #expect(
      worst <= tolerance, "\(what): worst relative error \(worst)", sourceLocation: sourceLocation)
  }

  static func loadParameters(_ network: Network, _ values: [Float]) {
    #expect(network.parameterCount == values.count)
    for (index, value) in values.enumerated() { network.parameters.pointer[index] = value }
  }

  /// One training step's loss and gradients for the case's batch.
  static func lossAndGradients(_ network: Network, _ golden: Case) -> ([Float], Double) {
    let batch = golden.y.count
    let gradient = FloatBuffer(count: batch)
    return golden.x.withUnsafeBufferPointer { x in
      golden.y.withUnsafeBufferPointer { y in
        let output = network.forward(x.baseAddress!, batch: batch)
        let outputs = Array(UnsafeBufferPointer(start: output, count: batch))
        let loss = Loss.meanSquaredError(
          prediction: output, target: y.baseAddress!, count: batch, gradient: gradient.pointer)
        network.backward(input: x.baseAddress!, outputGradient: gradient.pointer, batch: batch)
        return (outputs, loss)
      }
    }
  }

  @Test(arguments: ["mlp", "conv1d", "deepsets", "symmetrized_mlp"])
  func forwardLossAndGradientsMatchNumpy(name: String) {
    let golden = Self.goldenCase(name)
    let network = Self.network(name)
    Self.loadParameters(network, golden.params)
    let (outputs, loss) = Self.lossAndGradients(network, golden)
    Self.expectClose(outputs, golden.output, tolerance: 1e-5, "\(name) output")
    #expect(abs(loss - golden.loss) <= 1e-5 * golden.loss)
    Self.expectClose(network.gradients.array, golden.grad, tolerance: 1e-5, "\(name) gradient")
  }

  @Test(arguments: ["mlp", "conv1d", "deepsets", "symmetrized_mlp"])
  func tenOptimizerStepsMatchNumpy(name: String) {
    let golden = Self.goldenCase(name)
    let settings = Self.golden
    func hyper(_ optimizer: String, _ key: String) -> Double {
      ((settings[optimizer] as! [String: Any])[key] as! NSNumber).doubleValue
    }
    let runs: [(OptimizerKind, String, [Double])] = [
      (.adam, "adam", golden.adam10), (.adamw, "adamw", golden.adamw10),
      (.sgd, "sgd", golden.sgd10),
    ]
    for (kind, key, expected) in runs {
      let network = Self.network(name)
      Self.loadParameters(network, golden.params)
      let optimizer = Optimizer(
        kind: kind, parameterCount: network.parameterCount,
        momentum: kind == .sgd ? hyper(key, "momentum") : 0.9,
        weightDecay: hyper(key, "weight_decay"))
      for _ in 0..<10 {
        _ = Self.lossAndGradients(network, golden)
        optimizer.step(
          parameters: network.parameters, gradients: network.gradients,
          learningRate: hyper(key, "lr"))
      }
      Self.expectClose(network.parameters.array, expected, tolerance: 1e-5, "\(name) \(key)")
    }
  }

  @Test func softmaxCrossEntropyMatchesNumpy() {
    let entry = Self.golden["cross_entropy"] as! [String: Any]
    let logits = (entry["logits"] as! [NSNumber]).map { $0.floatValue }
    let labels = (entry["labels"] as! [NSNumber]).map { Int32($0.intValue) }
    let expected = (entry["grad"] as! [NSNumber]).map(\.doubleValue)
    var gradient = [Float](repeating: 0, count: logits.count)
    let loss = Loss.softmaxCrossEntropy(
      logits: logits, labels: labels, count: labels.count, classes: 4, gradient: &gradient)
    #expect(abs(loss - (entry["loss"] as! NSNumber).doubleValue) < 1e-6)
    Self.expectClose(gradient, expected, tolerance: 1e-5, "cross-entropy gradient")
  }
}
