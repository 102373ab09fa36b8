/// DeepSets' pooling: [batch][elements][features] → [batch][features] by sum or mean over the
/// set's elements, so everything after it is invariant to the elements' order. No parameters.
final class SetPoolingLayer: ParameterFreeLayer {
  let elements: Int
  let features: Int
  let usesMean: Bool

  init(elements: Int, features: Int, usesMean: Bool) {
    self.elements = elements
    self.features = features
    self.usesMean = usesMean
  }

  var inputWidth: Int { elements * features }
  var outputWidth: Int { features }
  func forward(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int,
    product: MatrixProduct
  ) {
    let scale: Float = usesMean ? 1 / Float(elements) : 1
    for sample in 0..<batch {
      let target = output + sample * features
      target.update(repeating: 0, count: features)
      for element in 0..<elements {
        let source = input + (sample * elements + element) * features
        for feature in 0..<features { target[feature] += source[feature] }
      }
      for feature in 0..<features { target[feature] *= scale }
    }
  }

  func backward(
    input: UnsafePointer<Float>, output: UnsafePointer<Float>,
    outputGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
    batch: Int, product: MatrixProduct
  ) {
    guard let inputGradient else { return }
    let scale: Float = usesMean ? 1 / Float(elements) : 1
    for sample in 0..<batch {
      let source = outputGradient + sample * features
      for element in 0..<elements {
        let target = inputGradient + (sample * elements + element) * features
        for feature in 0..<features { target[feature] = source[feature] * scale }
      }
    }
  }
}
