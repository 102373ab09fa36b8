/// A scrambled Halton sequence: low-discrepancy points in [0, 1)^d with a random digit
/// permutation per base and digit position (Owen-style scrambling), so a seed gives its own
/// well-spread set and the first points do not line up along the diagonal as plain Halton's do.
public struct ScrambledHalton: Sendable {
  public let dimension: Int
  let bases: [Int]
  /// permutations[d][position] is a permutation of 0..<bases[d], with 0 ↦ 0 kept only at no
  /// position (a full random permutation per digit).
  let permutations: [[[Int]]]
  /// Digits per coordinate: base^digits ≥ 2^52, enough for any index a search reaches.
  let digits: [Int]

  public init(dimension: Int, random: inout SearchRandom) {
    self.dimension = dimension
    bases = Array(Self.primes(dimension))
    var digits: [Int] = []
    var permutations: [[[Int]]] = []
    for base in bases {
      // Indices stay below 2^32; enough digits to resolve them, no more.
      var count = 0
      var reach = 1.0
      while reach < 4.3e9 {
        reach *= Double(base)
        count += 1
      }
      digits.append(count)
      var perBase: [[Int]] = []
      for _ in 0..<count {
        var permutation = Array(0..<base)
        for i in stride(from: base - 1, to: 0, by: -1) {
          permutation.swapAt(i, random.nextBelow(i + 1))
        }
        perBase.append(permutation)
      }
      permutations.append(perBase)
    }
    self.digits = digits
    self.permutations = permutations
  }

  /// The point at `index`.
  public func point(_ index: Int) -> [Double] {
    (0..<dimension).map { d in
      let base = bases[d]
      var n = index
      var value = 0.0
      var scale = 1.0 / Double(base)
      for position in 0..<digits[d] {
        let digit = n % base
        n /= base
        value += Double(permutations[d][position][digit]) * scale
        scale /= Double(base)
      }
      return min(value, 1 - 1e-12)
    }
  }

  /// The first `count` primes.
  static func primes(_ count: Int) -> [Int] {
    var primes: [Int] = []
    var candidate = 2
    while primes.count < count {
      if primes.allSatisfy({ candidate % $0 != 0 || $0 * $0 > candidate }) {
        primes.append(candidate)
      }
      candidate += 1
    }
    return primes
  }
}
