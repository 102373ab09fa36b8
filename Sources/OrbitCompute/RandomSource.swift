#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The engine's only random number generator: xoshiro256** (Blackman & Vigna 2018) seeded by
/// SplitMix64, so a trial's data, initial weights and batches depend on its seed alone.
///
/// Not `Sendable`: each trial owns its generators on its own thread.
struct RandomSource {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64
  /// The second normal of the last Box–Muller pair, used by the next call.
  private var spareNormal: Double?

  /// Seeds the four state words from SplitMix64 started at `seed`.
  init(seed: UInt64) {
    var state = seed
    func splitMix() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitMix()
    s1 = splitMix()
    s2 = splitMix()
    s3 = splitMix()
  }

  /// A generator for an independent purpose (data, init, batching…) derived from `seed`, so that
  /// changing how much one stream draws never shifts another.
  init(seed: UInt64, stream: UInt64) {
    self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
  }

  /// The next 64 random bits.
  mutating func next() -> UInt64 {
    let result = rotateLeft(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotateLeft(s3, 45)
    return result
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// Uniform in [0, 1) with 53 random bits.
  mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Uniform in [low, high).
  mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }

  /// Uniform integer in 0..<bound (Lemire's multiply-shift, with rejection for exactness).
  mutating func below(_ bound: Int) -> Int {
    precondition(bound > 0)
    let range = UInt64(bound)
    var product = next().multipliedFullWidth(by: range)
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold { product = next().multipliedFullWidth(by: range) }
    }
    return Int(product.high)
  }

  /// Standard normal by Box–Muller in Double (deterministic given libm on one machine).
  mutating func normal() -> Double {
    if let spare = spareNormal {
      spareNormal = nil
      return spare
    }
    var u1 = uniform()
    while u1 <= 0 { u1 = uniform() }
    let u2 = uniform()
    let radius = (-2 * log(u1)).squareRoot()
    let angle = 2 * Double.pi * u2
    spareNormal = radius * sin(angle)
    return radius * cos(angle)
  }

  /// Fills `buffer` with N(0, scale²) draws.
  mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, scale: Double = 1) {
    for index in buffer.indices { buffer[index] = Float(normal() * scale) }
  }

  /// Fills `buffer` with U(-bound, bound) draws.
  mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, bound: Double) {
    for index in buffer.indices { buffer[index] = Float(uniform(-bound, bound)) }
  }

  /// Fisher–Yates shuffle of `indices` in place.
  mutating func shuffle(_ indices: UnsafeMutableBufferPointer<Int32>) {
    var index = indices.count - 1
    while index > 0 {
      let other = below(index + 1)
      indices.swapAt(index, other)
      index -= 1
    }
  }
}
