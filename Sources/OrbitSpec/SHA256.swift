/// SHA-256 (FIPS 180-4), small and dependency-free: trial ids and spec fingerprints need only
/// this, and a crypto package would cost more build time than the whole module.
public struct SHA256: Sendable {
  private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
    0x5be0_cd19
  )

  private init() {}

  /// The SHA-256 digest of `bytes`.
  public static func hash<Bytes: Collection>(_ bytes: Bytes) -> [UInt8]
  where Bytes.Element == UInt8 {
    if let digest = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) {
      return digest
    }
    return Array(bytes).withUnsafeBytes { hash($0) }
  }

  /// The SHA-256 digest of the bytes in `buffer`, inline (no allocation).
  public static func digest(_ buffer: UnsafeRawBufferPointer) -> SIMD32<UInt8> {
    finish(SHA256(), buffer, priorBytes: 0)
  }

  /// The SHA-256 digest of the bytes in `buffer`.
  public static func hash(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
    let d = finish(SHA256(), buffer, priorBytes: 0)
    return [UInt8](unsafeUninitializedCapacity: 32) { out, count in
      for i in 0..<32 { out[i] = d[i] }
      count = 32
    }
  }

  private static func finish(_ start: SHA256, _ buffer: UnsafeRawBufferPointer, priorBytes: Int)
    -> SIMD32<UInt8>
  {
    var hasher = start
    var offset = 0
    while buffer.count - offset >= 64 {
      hasher.compress(UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + 64]))
      offset += 64
    }
    // The tail, the 0x80 marker and the 64-bit big-endian bit length: one or two blocks.
    let tailCount = buffer.count - offset
    let paddedCount = tailCount < 56 ? 64 : 128
    withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { padded in
      padded.initializeMemory(as: UInt8.self, repeating: 0)
      if tailCount > 0 {
        padded.baseAddress!.copyMemory(from: buffer.baseAddress! + offset, byteCount: tailCount)
      }
      padded[tailCount] = 0x80
      let bitLength = UInt64(buffer.count + priorBytes) &* 8
      padded.storeBytes(of: bitLength.bigEndian, toByteOffset: paddedCount - 8, as: UInt64.self)
      let raw = UnsafeRawBufferPointer(padded)
      hasher.compress(UnsafeRawBufferPointer(rebasing: raw[0..<64]))
      if paddedCount == 128 { hasher.compress(UnsafeRawBufferPointer(rebasing: raw[64..<128])) }
    }
    // The state words, big-endian, stored straight into the digest's bytes.
    var digest = SIMD32<UInt8>()
    withUnsafeBytes(of: hasher.state) { words in
      withUnsafeMutableBytes(of: &digest) { out in
        for index in 0..<8 {
          let word = words.load(fromByteOffset: index * 4, as: UInt32.self)
          out.storeBytes(of: word.bigEndian, toByteOffset: index * 4, as: UInt32.self)
        }
      }
    }
    return digest
  }

  /// The SHA-256 digest of the UTF-8 bytes of `text`, as 64 lowercase hex characters.
  public static func hexDigest(_ text: String) -> String {
    var text = text
    return text.withUTF8 { hexString(hash(UnsafeRawBufferPointer($0))) }
  }

  /// Lowercase hex of `bytes`.
  public static func hexString(_ bytes: [UInt8]) -> String {
    String(unsafeUninitializedCapacity: bytes.count * 2) { out in
      let digits: StaticString = "0123456789abcdef"
      let table = digits.utf8Start
      for (index, byte) in bytes.enumerated() {
        out[index * 2] = table[Int(byte >> 4)]
        out[index * 2 + 1] = table[Int(byte & 0x0F)]
      }
      return bytes.count * 2
    }
  }

  /// One 64-byte block (FIPS 180-4 §6.2.2), the message schedule on the stack.
  private mutating func compress(_ block: UnsafeRawBufferPointer) {
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
      for t in 0..<16 {
        w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
      }
      for t in 16..<64 {
        let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
        let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
        w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
      }
      var (a, b, c, d, e, f, g, h) = state
      roundConstants.withUnsafeBufferPointer { k in
        for t in 0..<64 {
          let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
          let choice = (e & f) ^ (~e & g)
          let temp1 = h &+ s1 &+ choice &+ k[t] &+ w[t]
          let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
          let majority = (a & b) ^ (a & c) ^ (b & c)
          let temp2 = s0 &+ majority
          h = g
          g = f
          f = e
          e = d &+ temp1
          d = c
          c = b
          b = a
          a = temp1 &+ temp2
        }
      }
      state = (
        state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f,
        state.6 &+ g, state.7 &+ h
      )
    }
  }

  @inline(__always) private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
    (x >> n) | (x << (32 - n))
  }
}

/// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
/// 64 primes.
private let roundConstants: [UInt32] = [
  0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
  0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
  0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
  0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
  0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
  0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
  0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
  0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
  0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
  0xc671_78f2,
]
