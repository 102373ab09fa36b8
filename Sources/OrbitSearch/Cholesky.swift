/// A lower-triangular Cholesky factor L of a symmetric positive definite n×n matrix
/// (A = L·Lᵀ), stored row-major, with the solves a Gaussian process needs.
///
/// Plain Swift loops: at the sizes a search fits (n ≤ a few hundred) they run in milliseconds,
/// and no BLAS means the same bits on every machine.
public struct Cholesky: Sendable {
  public let n: Int
  /// Row-major n×n; entries above the diagonal are zero.
  public private(set) var factor: [Double]

  /// Factors `matrix` (row-major n×n, symmetric; only the lower triangle is read), or nil when
  /// it is not numerically positive definite.
  public init?(matrix: [Double], n: Int) {
    precondition(matrix.count == n * n)
    self.n = n
    var l = [Double](repeating: 0, count: n * n)
    let ok = l.withUnsafeMutableBufferPointer { l -> Bool in
      matrix.withUnsafeBufferPointer { a -> Bool in
        for j in 0..<n {
          var diagonal = a[j * n + j]
          let rowJ = j * n
          for k in 0..<j { diagonal -= l[rowJ + k] * l[rowJ + k] }
          guard diagonal > 0, diagonal.isFinite else { return false }
          let ljj = diagonal.squareRoot()
          l[rowJ + j] = ljj
          for i in (j + 1)..<max(j + 1, n) {
            let rowI = i * n
            var sum = a[rowI + j]
            for k in 0..<j { sum -= l[rowI + k] * l[rowJ + k] }
            l[rowI + j] = sum / ljj
          }
        }
        return true
      }
    }
    guard ok else { return nil }
    factor = l
  }

  /// Factors `matrix + jitter·I`, raising the jitter tenfold from `jitter` up to `maxJitter`
  /// until it succeeds: duplicated or nearly equal inputs make a kernel matrix singular to
  /// rounding, and a little diagonal noise is the standard remedy.
  public static func withJitter(
    matrix: [Double], n: Int, jitter: Double = 0, maxJitter: Double = 1e-2
  ) -> (cholesky: Cholesky, jitter: Double)? {
    if let c = Cholesky(matrix: matrix, n: n) { return (c, 0) }
    var added = max(jitter, 1e-10)
    while added <= maxJitter {
      var a = matrix
      for i in 0..<n { a[i * n + i] += added }
      if let c = Cholesky(matrix: a, n: n) { return (c, added) }
      added *= 10
    }
    return nil
  }

  /// Solves L·x = b.
  public func solveLower(_ b: [Double]) -> [Double] {
    var x = b
    factor.withUnsafeBufferPointer { l in
      x.withUnsafeMutableBufferPointer { x in
        for i in 0..<n {
          var sum = x[i]
          let row = i * n
          for k in 0..<i { sum -= l[row + k] * x[k] }
          x[i] = sum / l[row + i]
        }
      }
    }
    return x
  }

  /// Solves Lᵀ·x = b.
  public func solveUpper(_ b: [Double]) -> [Double] {
    var x = b
    factor.withUnsafeBufferPointer { l in
      x.withUnsafeMutableBufferPointer { x in
        for i in stride(from: n - 1, through: 0, by: -1) {
          var sum = x[i]
          for k in (i + 1)..<max(i + 1, n) { sum -= l[k * n + i] * x[k] }
          x[i] = sum / l[i * n + i]
        }
      }
    }
    return x
  }

  /// Solves A·x = b (A = L·Lᵀ).
  public func solve(_ b: [Double]) -> [Double] { solveUpper(solveLower(b)) }

  /// log det A = 2 Σ log Lᵢᵢ.
  public var logDeterminant: Double {
    var sum = 0.0
    for i in 0..<n { sum += _log(factor[i * n + i]) }
    return 2 * sum
  }

  /// A⁻¹ (row-major), from L⁻¹: A⁻¹ = L⁻ᵀL⁻¹. O(n³), for the log-likelihood's gradient.
  public func inverse() -> [Double] {
    // L⁻¹ column by column (lower triangular), then the product.
    var linv = [Double](repeating: 0, count: n * n)
    factor.withUnsafeBufferPointer { l in
      linv.withUnsafeMutableBufferPointer { m in
        for j in 0..<n {
          m[j * n + j] = 1 / l[j * n + j]
          for i in (j + 1)..<max(j + 1, n) {
            var sum = 0.0
            for k in j..<i { sum -= l[i * n + k] * m[k * n + j] }
            m[i * n + j] = sum / l[i * n + i]
          }
        }
      }
    }
    var result = [Double](repeating: 0, count: n * n)
    linv.withUnsafeBufferPointer { m in
      result.withUnsafeMutableBufferPointer { r in
        for i in 0..<n {
          for j in 0...i {
            // (L⁻ᵀL⁻¹)ᵢⱼ = Σ_k≥max(i,j) m[k,i]·m[k,j]
            var sum = 0.0
            for k in i..<n { sum += m[k * n + i] * m[k * n + j] }
            r[i * n + j] = sum
            r[j * n + i] = sum
          }
        }
      }
    }
    return result
  }
}
