/// A random network that defines a task's target, and the distribution of its inputs.
///
/// Teachers draw samples in chunks: a call draws `count` samples from `random` and computes their
/// raw (unnormalised) targets with `sgemm`. Callers draw fixed-size chunks so that a sample's
/// bits never depend on how many samples were asked for (nested training sets). A sample is
/// stored as its `storedWidth` features, from which `expand` makes the model's input: for the
/// manifold task the d latent coordinates (x = E·z is 8× larger at d = 4, D = 32), for the others
/// the input itself.
protocol Teacher: AnyObject {
  /// Floats per model input.
  var inputWidth: Int { get }
  /// Floats per stored sample.
  var storedWidth: Int { get }
  /// Whether stored samples must go through `expand` (false: they are the inputs).
  var expandsInputs: Bool { get }
  /// Draws `count` samples into `features` ([count][storedWidth]) and `targets` ([count]).
  func draw(
    count: Int, random: inout RandomSource, inputs features: UnsafeMutablePointer<Float>,
    targets: UnsafeMutablePointer<Float>)
  /// The model inputs ([count][inputWidth]) of `count` stored samples.
  func expand(_ stored: UnsafePointer<Float>, count: Int, into inputs: UnsafeMutablePointer<Float>)
}

extension Teacher {
  var storedWidth: Int { inputWidth }
  var expandsInputs: Bool { false }

  func expand(_ stored: UnsafePointer<Float>, count: Int, into inputs: UnsafeMutablePointer<Float>)
  {
    inputs.update(from: stored, count: count * inputWidth)
  }
}

/// A teacher whose inputs are N(0, 1) draws and whose targets are a function of them alone.
protocol GaussianInputTeacher: Teacher {
  /// The raw targets of `count` given inputs ([count][inputWidth]).
  func evaluate(count: Int, inputs: UnsafePointer<Float>, targets: UnsafeMutablePointer<Float>)
}

extension GaussianInputTeacher {
  func draw(
    count: Int, random: inout RandomSource, inputs: UnsafeMutablePointer<Float>,
    targets: UnsafeMutablePointer<Float>
  ) {
    random.fillNormal(UnsafeMutableBufferPointer(start: inputs, count: count * inputWidth))
    evaluate(count: count, inputs: inputs, targets: targets)
  }
}

/// Random matrices shared by the teachers.
enum TeacherWeights {
  /// A `rows`×`columns` row-major matrix of N(0, scale²) draws.
  static func normal(rows: Int, columns: Int, scale: Double, random: inout RandomSource)
    -> FloatBuffer
  {
    let buffer = FloatBuffer(count: rows * columns)
    random.fillNormal(buffer.elements, scale: scale)
    return buffer
  }

  /// hidden[r][j] = tanh(hidden[r][j] + bias[j]); then out[r] = Σ_j hidden[r][j]·readout[j].
  static func tanhReadout(
    hidden: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>,
    readout: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
  ) {
    Activation.tanh.forward(hidden, rows: rows, columns: width, bias: bias, preActivation: nil)
    for row in 0..<rows {
      let line = hidden + row * width
      var sum: Float = 0
      for column in 0..<width { sum += line[column] * readout[column] }
      output[row] = sum
    }
  }
}

/// `manifold`: z ~ U[−1, 1]^d, x = E·z with E a D×d matrix of orthonormal columns, and
/// y = v·tanh(Aᵀz + c) with A ~ N(0, s_w²), c ~ N(0, s_b²), v ~ N(0, 1/width).
final class ManifoldTeacher: Teacher {
  let inputWidth: Int
  let intrinsic: Int
  let width: Int
  private let transposedEmbedding: FloatBuffer  // Eᵀ, d×D (E has orthonormal columns)
  private let weights: FloatBuffer  // d×width
  private let bias: FloatBuffer
  private let readout: FloatBuffer
  private let hidden: FloatBuffer
  private let product = MatrixProduct()

  init(settings: TaskSettings, maxChunk: Int, random: inout RandomSource) {
    inputWidth = settings.inputDimension
    intrinsic = settings.intrinsicDimension
    width = settings.teacherWidth
    // Gram–Schmidt in Double on a Gaussian D×d matrix.
    let d = intrinsic
    let dimension = inputWidth
    var columns = [[Double]](repeating: [], count: d)
    for column in 0..<d {
      var vector = (0..<dimension).map { _ in random.normal() }
      for previous in 0..<column {
        let dot = zip(vector, columns[previous]).reduce(0) { $0 + $1.0 * $1.1 }
        for index in 0..<dimension { vector[index] -= dot * columns[previous][index] }
      }
      let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
      columns[column] = vector.map { $0 / norm }
    }
    transposedEmbedding = FloatBuffer(count: d * dimension)
    for column in 0..<d {
      for row in 0..<dimension {
        transposedEmbedding.pointer[column * dimension + row] = Float(columns[column][row])
      }
    }
    weights = TeacherWeights.normal(
      rows: d, columns: width, scale: settings.teacherWeightScale, random: &random)
    bias = TeacherWeights.normal(
      rows: 1, columns: width, scale: settings.teacherBiasScale, random: &random)
    readout = TeacherWeights.normal(
      rows: 1, columns: width, scale: 1 / Double(width).squareRoot(), random: &random)
    hidden = FloatBuffer(count: maxChunk * width)
  }

  var storedWidth: Int { intrinsic }
  var expandsInputs: Bool { true }

  func draw(
    count: Int, random: inout RandomSource, inputs latent: UnsafeMutablePointer<Float>,
    targets: UnsafeMutablePointer<Float>
  ) {
    random.fillUniform(
      UnsafeMutableBufferPointer(start: latent, count: count * intrinsic), bound: 1)
    product.multiply(
      transposeA: false, transposeB: false, m: count, n: width, k: intrinsic, a: latent,
      lda: intrinsic, b: weights.pointer, ldb: width, beta: 0, c: hidden.pointer, ldc: width)
    TeacherWeights.tanhReadout(
      hidden: hidden.pointer, rows: count, width: width, bias: bias.pointer,
      readout: readout.pointer, output: targets)
  }

  /// x = E·z, row by row with a fixed summation order (the same bits in every use).
  func expand(_ stored: UnsafePointer<Float>, count: Int, into inputs: UnsafeMutablePointer<Float>)
  {
    Kernels.expand(
      inputs, latents: stored, transposedEmbedding: transposedEmbedding.pointer, rows: count,
      latentWidth: intrinsic, inputWidth: inputWidth)
  }
}

/// `cyclic`: x ~ N(0, I_L); y = (1/L)·Σ_g f(g·x) over the L cyclic shifts, f(x) = v·tanh(Aᵀx + c)
/// a random network on the whole vector (A ~ N(0, s_w²/L)), so the target is shift-invariant
/// without being local.
final class CyclicTeacher: GaussianInputTeacher {
  let inputWidth: Int
  let width: Int
  let group: GroupAction
  private let weights: FloatBuffer  // L×width
  private let bias: FloatBuffer
  private let readout: FloatBuffer
  private let shifted: FloatBuffer
  private let hidden: FloatBuffer
  private let perShift: FloatBuffer
  private let product = MatrixProduct()

  init(settings: TaskSettings, maxChunk: Int, random: inout RandomSource) {
    inputWidth = settings.length
    width = settings.teacherWidth
    group = GroupAction.cyclicShifts(length: inputWidth)
    weights = TeacherWeights.normal(
      rows: inputWidth, columns: width,
      scale: settings.teacherWeightScale / Double(inputWidth).squareRoot(), random: &random)
    bias = TeacherWeights.normal(
      rows: 1, columns: width, scale: settings.teacherBiasScale, random: &random)
    readout = TeacherWeights.normal(
      rows: 1, columns: width, scale: 1 / Double(width).squareRoot(), random: &random)
    let rows = maxChunk * inputWidth
    shifted = FloatBuffer(count: rows * inputWidth)
    hidden = FloatBuffer(count: rows * width)
    perShift = FloatBuffer(count: rows)
  }

  /// The raw targets of `count` given inputs.
  func evaluate(
    count: Int, inputs: UnsafePointer<Float>, targets: UnsafeMutablePointer<Float>
  ) {
    let order = group.order
    for sample in 0..<count {
      for element in 0..<order {
        group.apply(
          element, to: inputs + sample * inputWidth,
          into: shifted.pointer + (sample * order + element) * inputWidth)
      }
    }
    let rows = count * order
    product.multiply(
      transposeA: false, transposeB: false, m: rows, n: width, k: inputWidth,
      a: shifted.pointer, lda: inputWidth, b: weights.pointer, ldb: width, beta: 0,
      c: hidden.pointer, ldc: width)
    TeacherWeights.tanhReadout(
      hidden: hidden.pointer, rows: rows, width: width, bias: bias.pointer,
      readout: readout.pointer, output: perShift.pointer)
    for sample in 0..<count {
      var sum: Float = 0
      for element in 0..<order { sum += perShift.pointer[sample * order + element] }
      targets[sample] = sum / Float(order)
    }
  }
}

/// `permutation`: a set of k elements x_i ~ N(0, I_m); y = v·tanh(R·Σ_i tanh(Aᵀx_i + c) + d),
/// a random DeepSets-form teacher (A ~ N(0, s_w²/m), R ~ N(0, s_w²/width), c, d ~ N(0, s_b²)).
final class PermutationTeacher: GaussianInputTeacher {
  let inputWidth: Int
  let elements: Int
  let features: Int
  let width: Int
  private let elementWeights: FloatBuffer  // m×width
  private let elementBias: FloatBuffer
  private let readoutWeights: FloatBuffer  // width×width
  private let readoutBias: FloatBuffer
  private let readout: FloatBuffer
  private let hidden: FloatBuffer
  private let pooled: FloatBuffer
  private let outer: FloatBuffer
  private let product = MatrixProduct()

  init(settings: TaskSettings, maxChunk: Int, random: inout RandomSource) {
    elements = settings.setSize
    features = settings.elementDimension
    inputWidth = elements * features
    width = settings.teacherWidth
    let scale = settings.teacherWeightScale
    elementWeights = TeacherWeights.normal(
      rows: features, columns: width, scale: scale / Double(features).squareRoot(),
      random: &random)
    elementBias = TeacherWeights.normal(
      rows: 1, columns: width, scale: settings.teacherBiasScale, random: &random)
    readoutWeights = TeacherWeights.normal(
      rows: width, columns: width, scale: scale / Double(width).squareRoot(), random: &random)
    readoutBias = TeacherWeights.normal(
      rows: 1, columns: width, scale: settings.teacherBiasScale, random: &random)
    readout = TeacherWeights.normal(
      rows: 1, columns: width, scale: 1 / Double(width).squareRoot(), random: &random)
    hidden = FloatBuffer(count: maxChunk * elements * width)
    pooled = FloatBuffer(count: maxChunk * width)
    outer = FloatBuffer(count: maxChunk * width)
  }

  /// The raw targets of `count` given inputs.
  func evaluate(
    count: Int, inputs: UnsafePointer<Float>, targets: UnsafeMutablePointer<Float>
  ) {
    product.multiply(
      transposeA: false, transposeB: false, m: count * elements, n: width, k: features,
      a: inputs, lda: features, b: elementWeights.pointer, ldb: width, beta: 0,
      c: hidden.pointer, ldc: width)
    Activation.tanh.forward(
      hidden.pointer, rows: count * elements, columns: width, bias: elementBias.pointer,
      preActivation: nil)
    for sample in 0..<count {
      let target = pooled.pointer + sample * width
      target.update(repeating: 0, count: width)
      for element in 0..<elements {
        let line = hidden.pointer + (sample * elements + element) * width
        for column in 0..<width { target[column] += line[column] }
      }
    }
    product.multiply(
      transposeA: false, transposeB: false, m: count, n: width, k: width, a: pooled.pointer,
      lda: width, b: readoutWeights.pointer, ldb: width, beta: 0, c: outer.pointer, ldc: width)
    TeacherWeights.tanhReadout(
      hidden: outer.pointer, rows: count, width: width, bias: readoutBias.pointer,
      readout: readout.pointer, output: targets)
  }
}
