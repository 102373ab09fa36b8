/// A trial's identity: the SHA-256 of its canonical parameters (seed included), so the same
/// point has the same id on every machine, in every run, whatever the key order in the spec.
///
/// Held as the 32-byte digest in four words, not as hex text: the coordinator hashes and compares
/// ids several times per trial (leases, peers' lease sets, acknowledgements), and four words hash
/// and compare without touching the heap. Hex appears only at the edges (the journal's SQL,
/// logs, a program's environment).
public struct TrialID: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The digest's bytes 0–7, 8–15, 16–23, 24–31, each read big-endian: comparing the words in
  /// order compares the digests as hex strings do.
  private let w0, w1, w2, w3: UInt64

  /// Bytes of a digest (on the wire).
  public static let byteCount = 32

  /// The id whose digest is `digest`.
  public init(digest: SIMD32<UInt8>) {
    func word(_ at: Int) -> UInt64 {
      var w: UInt64 = 0
      for i in at..<(at + 8) { w = w << 8 | UInt64(digest[i]) }
      return w
    }
    w0 = word(0)
    w1 = word(8)
    w2 = word(16)
    w3 = word(24)
  }

  /// The id whose digest is these 32 bytes (nil for any other count).
  public init?(bytes: UnsafeRawBufferPointer) {
    guard bytes.count == Self.byteCount else { return nil }
    func word(_ at: Int) -> UInt64 {
      UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }
    w0 = word(0)
    w1 = word(8)
    w2 = word(16)
    w3 = word(24)
  }

  /// Accepts exactly 64 hex characters (either case).
  public init?(hex: String) {
    // No array: journal reads parse one id per row.
    var (a, b, c, d): (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    var count = 0
    for ch in hex.utf8 {
      let nibble: UInt8
      switch ch {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = ch - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = ch - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = ch - UInt8(ascii: "A") + 10
      default: return nil
      }
      let n = UInt64(nibble)
      switch count / 16 {
      case 0: a = a << 4 | n
      case 1: b = b << 4 | n
      case 2: c = c << 4 | n
      case 3: d = d << 4 | n
      default: return nil
      }
      count += 1
    }
    guard count == 64 else { return nil }
    (w0, w1, w2, w3) = (a, b, c, d)
  }

  /// The id of a trial whose canonical parameter JSON is `canonicalJSON`.
  public init(canonicalJSON: String) {
    var text = canonicalJSON
    self.init(digest: text.withUTF8 { SHA256.digest(UnsafeRawBufferPointer($0)) })
  }

  /// The id of a trial whose canonical parameter JSON is these UTF-8 bytes.
  init(canonicalBytes: [UInt8]) {
    self.init(digest: canonicalBytes.withUnsafeBytes { SHA256.digest($0) })
  }

  /// Calls `body` with the digest's 32 bytes (for the codec and the lease signer).
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    var words = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
    return try withUnsafeBytes(of: &words) { try body($0) }
  }

  /// 64 lowercase hex characters.
  public var hex: String {
    withBytes { bytes in
      String(unsafeUninitializedCapacity: 64) { out in
        let digits: StaticString = "0123456789abcdef"
        let table = digits.utf8Start
        for (i, byte) in bytes.enumerated() {
          out[2 * i] = table[Int(byte >> 4)]
          out[2 * i + 1] = table[Int(byte & 0x0F)]
        }
        return 64
      }
    }
  }

  /// The first 12 hex characters, for logs and tables.
  public var short: String { String(hex.prefix(12)) }

  public var description: String { hex }

  public static func < (lhs: TrialID, rhs: TrialID) -> Bool {
    (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
  }
}

/// One point of a sweep: its position in dispatch order, its id and its parameters.
public struct Trial: Sendable, Hashable {
  /// Position in dispatch order, 0-based.
  public let index: Int
  /// SHA-256 of ``canonicalJSON``.
  public let id: TrialID
  /// Flattened dotted names → values; includes `seed` when the spec sets `seeds: K`, and the
  /// core runner's `task.*`, `model.*`, `train.*` settings.
  public let params: [String: ParamValue]
  /// The canonical JSON of ``params`` — exactly the bytes the id hashes.
  public let canonicalJSON: String
  /// The parameters as plain JSON (sorted keys, no spaces; `1.0` stays `1.0`), as a program
  /// receives them (`${args_json}`, `ORBIT_PARAMS_JSON`). `ParamValue.parseJSON` gives back
  /// exactly ``params``.
  public let paramsJSON: String

  /// A trial from its parameters (the id and both JSON forms are computed).
  public init(index: Int, params: [String: ParamValue]) {
    let object = ParamValue.object(params)
    self.init(
      index: index, params: params, canonicalJSON: object.canonicalJSON, paramsJSON: object.json)
  }

  init(index: Int, params: [String: ParamValue], canonicalJSON: String, paramsJSON: String) {
    self.index = index
    self.params = params
    self.canonicalJSON = canonicalJSON
    self.paramsJSON = paramsJSON
    self.id = TrialID(canonicalJSON: canonicalJSON)
  }

  /// A trial whose JSON forms were written as UTF-8 bytes (by the grid).
  init(index: Int, params: [String: ParamValue], canonicalBytes: [UInt8], plainBytes: [UInt8]) {
    self.index = index
    self.params = params
    self.canonicalJSON = String(decoding: canonicalBytes, as: UTF8.self)
    self.paramsJSON = String(decoding: plainBytes, as: UTF8.self)
    self.id = TrialID(canonicalBytes: canonicalBytes)
  }
}
