/// exp and log on four doubles at once, for the objective's inner loop (glibc's scalar exp and
/// log were ~70 % of a fit). Plain adds, multiplies and bit operations only, so they vectorise
/// on baseline x86-64 (SSE2) without calls; accurate to a few ulps on the ranges used here.
typealias Double4 = SIMD4<Double>

/// 1.5·2^52: adding it rounds a double of magnitude < 2^51 to an integer held in the low bits.
private let roundingMagic = 6_755_399_441_055_744.0
private let log2e = 1.442_695_040_888_963_4
private let ln2High = 0.693_147_180_369_123_8
private let ln2Low = 1.908_214_929_270_587_7e-10

/// e^x for |x| ≤ 700; callers keep arguments in that range (values outside are clamped).
@inline(__always) func exp4(_ input: Double4) -> Double4 {
  // Comparisons and selects, not clamped(): the stdlib's generic min/max are not inlined.
  var x = input.replacing(with: -700, where: input .< -700)
  x.replace(with: 700, where: x .> 700)
  let shifted = x * log2e + roundingMagic
  let k = shifted - roundingMagic
  let r = x - k * ln2High - k * ln2Low  // |r| ≤ ln2/2
  // Taylor series to r^13: the remainder is below 1e-17 on |r| ≤ 0.347.
  var p = Double4(repeating: 1.0 / 6_227_020_800)
  p = p * r + 1.0 / 479_001_600
  p = p * r + 1.0 / 39_916_800
  p = p * r + 1.0 / 3_628_800
  p = p * r + 1.0 / 362_880
  p = p * r + 1.0 / 40_320
  p = p * r + 1.0 / 5_040
  p = p * r + 1.0 / 720
  p = p * r + 1.0 / 120
  p = p * r + 1.0 / 24
  p = p * r + 1.0 / 6
  p = p * r + 0.5
  p = p * r + 1
  p = p * r + 1
  // 2^k from k's integer bits: (k + 1023) << 52, with k in [−1010, 1010].
  let kBits =
    unsafeBitCast(shifted, to: SIMD4<Int64>.self)
    &- unsafeBitCast(
      Double4(repeating: roundingMagic), to: SIMD4<Int64>.self)
  let scale = unsafeBitCast((kBits &+ 1023) &<< 52, to: Double4.self)
  return p * scale
}

/// log x for positive normal x.
@inline(__always) func log4(_ x: Double4) -> Double4 {
  // x = m·2^e with m in [1, 2): read e from the exponent bits, set them to 0 for m.
  let bits = unsafeBitCast(x, to: SIMD4<Int64>.self)
  let exponentBits = (bits &>> 52) &- 1023
  var m = unsafeBitCast((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: Double4.self)
  // Integer to double without a per-lane conversion: add to the magic constant's bits.
  var e =
    unsafeBitCast(
      unsafeBitCast(Double4(repeating: roundingMagic), to: SIMD4<Int64>.self) &+ exponentBits,
      to: Double4.self) - roundingMagic
  // Centre m on 1: m in [√2/2, √2).
  let high = m .> 1.414_213_562_373_095_1
  m.replace(with: m * 0.5, where: high)
  e.replace(with: e + 1, where: high)
  // log m = 2·atanh(z), z = (m − 1)/(m + 1), |z| ≤ 0.1716: 11 odd terms leave < 1e-17.
  let z = (m - 1) / (m + 1)
  let z2 = z * z
  var s = Double4(repeating: 1.0 / 21)
  s = s * z2 + 1.0 / 19
  s = s * z2 + 1.0 / 17
  s = s * z2 + 1.0 / 15
  s = s * z2 + 1.0 / 13
  s = s * z2 + 1.0 / 11
  s = s * z2 + 1.0 / 9
  s = s * z2 + 1.0 / 7
  s = s * z2 + 1.0 / 5
  s = s * z2 + 1.0 / 3
  s = s * z2 + 1
  return e * ln2High + (2 * z * s + e * ln2Low)
}

/// The larger of a and b in each lane (inlined, unlike the stdlib's generic pointwiseMax).
@inline(__always) func lanewiseMax(_ a: Double4, _ b: Double4) -> Double4 {
  a.replacing(with: b, where: b .> a)
}
