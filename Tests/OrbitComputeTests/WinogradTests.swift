import Testing

@testable import OrbitCompute

/// The Winograd path of wide circular convolutions against the direct sgemm taps.
struct WinogradTests {
  @Test(arguments: [(16, 16, 5, 64), (32, 24, 5, 16), (16, 16, 3, 12)])
  func winogradMatchesTheDirectConvolution(shape: (Int, Int, Int, Int)) {
    let (channelsIn, channelsOut, kernel, length) = shape
    let batch = 6
    func layer(_ winograd: Bool) -> CircularConvolutionLayer {
      CircularConvolutionLayer(
        channelsIn: channelsIn, channelsOut: channelsOut, kernel: kernel, length: length,
        activation: .tanh, inputIsSampleMajor: false, allowsWinograd: winograd)
    }
    let fast = layer(true)
    let reference = layer(false)
    let parameters = FloatBuffer(count: fast.parameterCount)
    var random = RandomSource(seed: 5)
    random.fillUniform(parameters.elements, bound: 0.3)
    let fastGradients = FloatBuffer(count: fast.parameterCount)
    let referenceGradients = FloatBuffer(count: fast.parameterCount)
    fast.bind(parameters: parameters.pointer, gradients: fastGradients.pointer, maxBatch: batch)
    reference.bind(
      parameters: parameters.pointer, gradients: referenceGradients.pointer, maxBatch: batch)
    let size = batch * length
    let input = FloatBuffer(count: size * channelsIn)
    random.fillNormal(input.elements)
    let outputs = (FloatBuffer(count: size * channelsOut), FloatBuffer(count: size * channelsOut))
    let product = MatrixProduct()
    fast.forward(input.pointer, outputs.0.pointer, batch: batch, product: product)
    let fastFlops = product.flops
    reference.forward(input.pointer, outputs.1.pointer, batch: batch, product: product)
    #expect(fastFlops * 2 == product.flops, "both paths count the same nominal FLOPs")
    Self.expectClose(outputs.0.array, outputs.1.array, "output")
    let gradientsOut = (
      FloatBuffer(count: size * channelsOut), FloatBuffer(count: size * channelsOut)
    )
    random.fillNormal(gradientsOut.0.elements)
    gradientsOut.1.copy(from: gradientsOut.0)
    let inputGradients = (
      FloatBuffer(count: size * channelsIn), FloatBuffer(count: size * channelsIn)
    )
    fast.backward(
      input: input.pointer, output: outputs.0.pointer, outputGradient: gradientsOut.0.pointer,
      inputGradient: inputGradients.0.pointer, batch: batch, product: product)
    reference.backward(
      input: input.pointer, output: outputs.1.pointer, outputGradient: gradientsOut.1.pointer,
      inputGradient: inputGradients.1.pointer, batch: batch, product: product)
    Self.expectClose(fastGradients.array, referenceGradients.array, "parameter gradient")
    Self.expectClose(inputGradients.0.array, inputGradients.1.array, "input gradient")
  }

  static func expectClose(
    _ actual: [Float], _ expected: [Float], _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let scale = expected.map(abs).max()!
    let worst = zip(actual, expected).map { abs($0 - $1) }.max()! / scale
    #expect(
      worst < 2e-5, "\(what): worst error \(worst) of the largest value",
      sourceLocation: sourceLocation)
  }
}
