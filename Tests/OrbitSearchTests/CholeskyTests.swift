import Testing

@testable import OrbitSearch

struct CholeskyTests {
  /// A = L·Lᵀ with L = [[2, 0, 0], [1, 3, 0], [−1, 2, 4]] known exactly.
  static let a: [Double] = [4, 2, -2, 2, 10, 5, -2, 5, 21]

  @Test func knownFactor() throws {
    let c = try #require(Cholesky(matrix: Self.a, n: 3))
    let expected: [Double] = [2, 0, 0, 1, 3, 0, -1, 2, 4]
    for (x, e) in zip(c.factor, expected) { #expect(abs(x - e) < 1e-14) }
    #expect(abs(c.logDeterminant - _log(576)) < 1e-13)  // det = (2·3·4)²
  }

  @Test func solvesAndInverse() throws {
    let c = try #require(Cholesky(matrix: Self.a, n: 3))
    let x: [Double] = [1, -2, 0.5]
    // b = A·x
    let b = (0..<3).map { i in (0..<3).reduce(0.0) { $0 + Self.a[i * 3 + $1] * x[$1] } }
    for (solved, truth) in zip(c.solve(b), x) { #expect(abs(solved - truth) < 1e-13) }
    let inverse = c.inverse()
    for i in 0..<3 {
      for j in 0..<3 {
        let product = (0..<3).reduce(0.0) { $0 + Self.a[i * 3 + $1] * inverse[$1 * 3 + j] }
        #expect(abs(product - (i == j ? 1 : 0)) < 1e-13)
      }
    }
  }

  @Test func refusesIndefiniteAndJittersSingular() {
    #expect(Cholesky(matrix: [1, 2, 2, 1], n: 2) == nil)
    // Two equal rows: singular, factorable with a little jitter.
    let singular: [Double] = [1, 1, 1, 1]
    #expect(Cholesky(matrix: singular, n: 2) == nil)
    let jittered = Cholesky.withJitter(matrix: singular, n: 2)
    #expect(jittered != nil && jittered!.jitter > 0 && jittered!.jitter <= 1e-6)
  }
}
