#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Winograd minimal filtering F(m, k) for a circular convolution over position-major activations
/// ([L][batch][C]): m outputs from m + k − 1 inputs with m + k − 1 matrix products instead of m·k
/// (Lavin & Gray 2016). With k = 5 and m = 4, 8 products of a quarter of the rows replace 20:
/// 2.5× fewer multiply–adds than the direct (or im2col) convolution, for a few cheap transforms.
///
/// Matrices from the Cook–Toom construction on the points 0, ±1, ±2, ±½, … and ∞:
/// Aᵀ[o][i] = p_iᵒ, G[i][j] = p_iʲ / Π_{l≠i}(p_i − p_l), Bᵀ[i] = coefficients of Π_{l≠i}(x − p_l)
/// (the ∞ row: of Π_l(x − p_l)). Checked against the direct path in the tests (~1e-6 relative).
final class WinogradConvolution {
  let outputsPerTile: Int
  let kernel: Int
  let points: Int
  let length: Int
  let tiles: Int
  let channelsIn: Int
  let channelsOut: Int
  /// Aᵀ (m×n), Aᵀ transposed (n×m), G (n×k), Gᵀ (k×n), Bᵀ (n×n), B (n×n), row-major.
  private let outputTransform: [Float]
  private let outputTransformTransposed: [Float]
  private let filterTransform: [Float]
  private let filterTransformTransposed: [Float]
  private let inputTransform: [Float]
  private let inputTransformTransposed: [Float]
  /// Transformed inputs V_i ([tiles·batch][C_in] each); reused for dV in backward.
  private let transformedInput: FloatBuffer
  /// Products M_i ([tiles·batch][C_out] each); reused for dM in backward.
  private let products: FloatBuffer
  /// Transformed filters U_i ([C_in][C_out] each) and their gradients.
  private let transformedFilter: FloatBuffer
  private let filterGradient: FloatBuffer
  private let outputPointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>?>
  private let inputPointers: UnsafeMutablePointer<UnsafePointer<Float>?>

  /// Outputs per tile for a layer of this shape, or nil to keep the sgemm taps: Winograd pays
  /// off for wide layers (its transforms cost about as much as a narrow layer's products) and
  /// needs the tiles to divide L. `ORBIT_WINOGRAD_TILE` (0, 2, 4, 6) overrides the default 4.
  static func outputsPerTile(kernel: Int, length: Int, channelsIn: Int, channelsOut: Int) -> Int? {
    var tile = 4
    if let raw = getenv("ORBIT_WINOGRAD_TILE"), let value = Int(String(cString: raw)) {
      tile = value
    }
    guard tile > 0, kernel >= 3, channelsIn >= 16, channelsOut >= 16, length % tile == 0,
      tile + kernel - 1 <= min(length, 12)
    else { return nil }
    return tile
  }

  /// A plan for `length` positions (a multiple of `outputsPerTile`) and batches up to `maxBatch`.
  init(
    outputsPerTile m: Int, kernel k: Int, length: Int, channelsIn: Int, channelsOut: Int,
    maxBatch: Int
  ) {
    precondition(length % m == 0)
    outputsPerTile = m
    kernel = k
    points = m + k - 1
    self.length = length
    tiles = length / m
    self.channelsIn = channelsIn
    self.channelsOut = channelsOut
    let n = points
    let candidates: [Double] = [0, 1, -1, 2, -2, 0.5, -0.5, 3, -3, 1.0 / 3, -1.0 / 3]
    let finite = Array(candidates.prefix(n - 1))
    var at = [Double](repeating: 0, count: m * n)
    var g = [Double](repeating: 0, count: n * k)
    var bt = [Double](repeating: 0, count: n * n)
    func product(excluding skip: Int?) -> [Double] {
      // Coefficients (ascending) of Π_{l ≠ skip}(x − p_l).
      var coefficients: [Double] = [1]
      for (index, point) in finite.enumerated() where index != skip {
        var next = [Double](repeating: 0, count: coefficients.count + 1)
        for (power, value) in coefficients.enumerated() {
          next[power + 1] += value
          next[power] -= point * value
        }
        coefficients = next
      }
      return coefficients
    }
    for (i, point) in finite.enumerated() {
      for o in 0..<m { at[o * n + i] = pow(point, Double(o)) }
      let scale = finite.enumerated().filter { $0.offset != i }.reduce(1.0) {
        $0 * (point - $1.element)
      }
      for j in 0..<k { g[i * k + j] = pow(point, Double(j)) / scale }
      for (q, value) in product(excluding: i).enumerated() { bt[i * n + q] = value }
    }
    at[(m - 1) * n + n - 1] = 1
    g[(n - 1) * k + k - 1] = 1
    for (q, value) in product(excluding: nil).enumerated() { bt[(n - 1) * n + q] = value }
    func transposed(_ matrix: [Double], rows: Int, columns: Int) -> [Float] {
      (0..<(rows * columns)).map { Float(matrix[($0 % rows) * columns + $0 / rows]) }
    }
    outputTransform = at.map(Float.init)
    outputTransformTransposed = transposed(at, rows: m, columns: n)
    filterTransform = g.map(Float.init)
    filterTransformTransposed = transposed(g, rows: n, columns: k)
    inputTransform = bt.map(Float.init)
    inputTransformTransposed = transposed(bt, rows: n, columns: n)
    let rows = tiles * maxBatch
    transformedInput = FloatBuffer(count: n * rows * max(channelsIn, 1))
    products = FloatBuffer(count: n * rows * channelsOut)
    transformedFilter = FloatBuffer(count: n * channelsIn * channelsOut)
    filterGradient = FloatBuffer(count: n * channelsIn * channelsOut)
    outputPointers = .allocate(capacity: max(n, k))
    inputPointers = .allocate(capacity: max(n, k))
  }

  deinit {
    outputPointers.deallocate()
    inputPointers.deallocate()
  }

  /// Input position read by tap q of tile t.
  @inline(__always)
  private func position(tile: Int, tap: Int) -> Int {
    ((tile * outputsPerTile + tap - kernel / 2) % length + length) % length
  }

  @inline(__always)
  private func apply(
    _ coefficients: [Float], outputs: Int, inputs: Int, length count: Int, accumulate: Bool
  ) {
    coefficients.withUnsafeBufferPointer { matrix in
      Kernels.transform(
        out: outputPointers, in: inputPointers, coefficients: matrix.baseAddress!,
        outputs: outputs, inputCount: inputs, length: count, accumulate: accumulate)
    }
  }

  /// output ([L][batch][C_out]) = circular convolution of input ([L][batch][C_in]) with weights
  /// ([k][C_in][C_out]); no bias.
  func forward(
    input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
    output: UnsafeMutablePointer<Float>, batch: Int, product: MatrixProduct
  ) {
    let n = points
    let rows = tiles * batch
    let block = batch * channelsIn
    let filterSize = channelsIn * channelsOut
    // U_i = Σ_j G[i][j]·W_j.
    for i in 0..<n { outputPointers[i] = transformedFilter.pointer + i * filterSize }
    for j in 0..<kernel { inputPointers[j] = weights + j * filterSize }
    apply(filterTransform, outputs: n, inputs: kernel, length: filterSize, accumulate: false)
    // V_i[t] = Σ_q Bᵀ[i][q]·X[t·m + q − k/2].
    for tile in 0..<tiles {
      for i in 0..<n {
        outputPointers[i] = transformedInput.pointer + (i * rows + tile * batch) * channelsIn
        inputPointers[i] = input + position(tile: tile, tap: i) * block
      }
      apply(inputTransform, outputs: n, inputs: n, length: block, accumulate: false)
    }
    // M_i = V_i·U_i.
    for i in 0..<n {
      product.multiply(
        transposeA: false, transposeB: false, m: rows, n: channelsOut, k: channelsIn,
        a: transformedInput.pointer + i * rows * channelsIn, lda: channelsIn,
        b: transformedFilter.pointer + i * filterSize, ldb: channelsOut, beta: 0,
        c: products.pointer + i * rows * channelsOut, ldc: channelsOut, counted: false)
    }
    // Y[t·m + o] = Σ_i Aᵀ[o][i]·M_i[t].
    let outBlock = batch * channelsOut
    for tile in 0..<tiles {
      for i in 0..<n {
        inputPointers[i] = UnsafePointer(products.pointer + (i * rows + tile * batch) * channelsOut)
      }
      for o in 0..<outputsPerTile {
        outputPointers[o] = output + (tile * outputsPerTile + o) * outBlock
      }
      apply(
        outputTransform, outputs: outputsPerTile, inputs: n, length: outBlock, accumulate: false)
    }
  }

  /// Weight gradient ([k][C_in][C_out]) and, when asked, input gradient ([L][batch][C_in]) from
  /// the gradient at the convolution's output (before bias and activation), after `forward` on
  /// the same input.
  func backward(
    outputGradient: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>?, batch: Int, product: MatrixProduct
  ) {
    let n = points
    let rows = tiles * batch
    let outBlock = batch * channelsOut
    let filterSize = channelsIn * channelsOut
    // dM_i[t] = Σ_o Aᵀ[o][i]·dY[t·m + o].
    for tile in 0..<tiles {
      for o in 0..<outputsPerTile {
        inputPointers[o] = outputGradient + (tile * outputsPerTile + o) * outBlock
      }
      for i in 0..<n {
        outputPointers[i] = products.pointer + (i * rows + tile * batch) * channelsOut
      }
      apply(
        outputTransformTransposed, outputs: n, inputs: outputsPerTile, length: outBlock,
        accumulate: false)
    }
    // dU_i = V_iᵀ·dM_i, then dW_j = Σ_i G[i][j]·dU_i.
    for i in 0..<n {
      product.multiply(
        transposeA: true, transposeB: false, m: channelsIn, n: channelsOut, k: rows,
        a: transformedInput.pointer + i * rows * channelsIn, lda: channelsIn,
        b: products.pointer + i * rows * channelsOut, ldb: channelsOut, beta: 0,
        c: filterGradient.pointer + i * filterSize, ldc: channelsOut, counted: false)
    }
    for j in 0..<kernel { outputPointers[j] = weightGradient + j * filterSize }
    for i in 0..<n { inputPointers[i] = UnsafePointer(filterGradient.pointer + i * filterSize) }
    apply(
      filterTransformTransposed, outputs: kernel, inputs: n, length: filterSize, accumulate: false)
    guard let inputGradient else { return }
    // dV_i = dM_i·U_iᵀ (into V's buffer, no longer needed), then dX[t·m + q − k/2] += Σ_i B[q][i]·dV_i[t].
    for i in 0..<n {
      product.multiply(
        transposeA: false, transposeB: true, m: rows, n: channelsIn, k: channelsOut,
        a: products.pointer + i * rows * channelsOut, lda: channelsOut,
        b: transformedFilter.pointer + i * filterSize, ldb: channelsOut, beta: 0,
        c: transformedInput.pointer + i * rows * channelsIn, ldc: channelsIn, counted: false)
    }
    let block = batch * channelsIn
    inputGradient.update(repeating: 0, count: length * block)
    for tile in 0..<tiles {
      for i in 0..<n {
        inputPointers[i] = UnsafePointer(
          transformedInput.pointer + (i * rows + tile * batch) * channelsIn)
        outputPointers[i] = inputGradient + position(tile: tile, tap: i) * block
      }
      apply(inputTransformTransposed, outputs: n, inputs: n, length: block, accumulate: true)
    }
  }
}
