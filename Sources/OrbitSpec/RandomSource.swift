import Foundation

/// A small deterministic generator (SplitMix64) for random search.
///
/// Trial `i`'s draws come from a generator keyed by (spec `seed`, `i`, parameter name), so any
/// trial can be produced on its own (random access) and adding a parameter to a spec leaves the
/// other parameters' draws unchanged.
struct RandomSource {
  private var state: UInt64

  /// A generator for one parameter of one trial, the name already hashed with ``nameHash(_:)``.
  init(seed: Int64, point: Int, nameHash: UInt64) {
    var key = Self.mix(UInt64(bitPattern: seed) &+ 0x9E37_79B9_7F4A_7C15)
    key = Self.mix(key ^ UInt64(point))
    state = Self.mix(key ^ nameHash)
  }

  /// FNV-1a of the name's UTF-8: stable across processes, unlike Swift's seeded `Hasher`.
  static func nameHash(_ name: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return hash
  }

  private static func mix(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform on [0, 1) with 53 random bits.
  mutating func nextUnit() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// Uniform on 0 ..< bound without modulo bias (Lemire's method).
  mutating func nextBelow(_ bound: UInt64) -> UInt64 {
    precondition(bound > 0)
    var product = next().multipliedFullWidth(by: bound)
    if product.low < bound {
      let threshold = (0 &- bound) % bound
      while product.low < threshold {
        product = next().multipliedFullWidth(by: bound)
      }
    }
    return product.high
  }

  mutating func nextIndex(_ count: Int) -> Int {
    Int(nextBelow(UInt64(count)))
  }

  /// A standard normal draw (Box–Muller).
  mutating func nextGaussian() -> Double {
    let u1 = 1 - nextUnit()  // (0, 1], so log is finite
    let u2 = nextUnit()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// A Gamma(shape, 1) draw (Marsaglia and Tsang 2000; shape < 1 via the boost
  /// `Gamma(shape + 1) · U^(1/shape)`).
  mutating func nextGamma(_ shape: Double) -> Double {
    if shape < 1 {
      let boost = pow(1 - nextUnit(), 1 / shape)
      return nextGamma(shape + 1) * boost
    }
    let d = shape - 1.0 / 3.0
    let c = 1 / (9 * d).squareRoot()
    while true {
      let x = nextGaussian()
      var v = 1 + c * x
      if v <= 0 { continue }
      v = v * v * v
      let u = nextUnit()
      if u < 1 - 0.0331 * (x * x) * (x * x) { return d * v }
      if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
    }
  }

  /// A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
  mutating func nextBeta(_ a: Double, _ b: Double) -> Double {
    let x = nextGamma(a)
    let y = nextGamma(b)
    return x / (x + y)
  }
}
