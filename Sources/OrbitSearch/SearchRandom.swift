/// The search's own random stream: xoshiro256** seeded through SplitMix64, so a seed gives the
/// same suggestions on every machine (Swift's `SystemRandomNumberGenerator` cannot be seeded).
public struct SearchRandom: Sendable, Hashable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64

  /// A stream for `seed`; `stream` separates independent uses of one seed (one per suggestion).
  public init(seed: Int64, stream: UInt64 = 0) {
    var x = UInt64(bitPattern: seed) ^ (stream &* 0xD1B5_4A32_D192_ED03)
    func splitMix(_ x: inout UInt64) -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitMix(&x)
    s1 = splitMix(&x)
    s2 = splitMix(&x)
    s3 = splitMix(&x)
  }

  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = s3 << 45 | s3 >> 19
    return result
  }

  /// Uniform on [0, 1) with 53 random bits.
  public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Uniform on `0 ..< bound` without modulo bias (Lemire's method).
  public mutating func nextBelow(_ bound: Int) -> Int {
    precondition(bound > 0)
    let b = UInt64(bound)
    var product = next().multipliedFullWidth(by: b)
    if product.low < b {
      let threshold = (0 &- b) % b
      while product.low < threshold { product = next().multipliedFullWidth(by: b) }
    }
    return Int(product.high)
  }

  /// A standard normal draw (Box–Muller; the second value is dropped to keep the stream simple).
  public mutating func nextGaussian() -> Double {
    let u1 = max(nextUnit(), 0x1.0p-53)
    let u2 = nextUnit()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }
}
