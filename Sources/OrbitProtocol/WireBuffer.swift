import OrbitSpec

/// Appends little-endian fields to a byte array.
struct WireWriter {
  var bytes: [UInt8] = []

  init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

  mutating func u8(_ v: UInt8) { bytes.append(v) }
  mutating func u32(_ v: UInt32) {
    withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
  }
  mutating func u64(_ v: UInt64) {
    withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
  }
  mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
  mutating func f64(_ v: Double) { u64(v.bitPattern) }
  mutating func string(_ s: String) {
    var s = s
    s.withUTF8 { utf8 in
      u32(UInt32(utf8.count))
      bytes.append(contentsOf: utf8)
    }
  }
  mutating func token(_ token: LeaseToken) {
    guard let tag = token.tag else {
      u32(0)
      return
    }
    u32(UInt32(LeaseToken.byteCount))
    withUnsafeBytes(of: tag) { bytes.append(contentsOf: $0) }
  }
  mutating func strings(_ list: [String]) {
    u32(UInt32(list.count))
    for s in list { string(s) }
  }
  /// A trial id: its 32 digest bytes (fixed size, so no length).
  mutating func id(_ id: TrialID) {
    id.withBytes { bytes.append(contentsOf: $0) }
  }
  mutating func ids(_ list: [TrialID]) {
    u32(UInt32(list.count))
    for i in list { id(i) }
  }
}

/// Reads little-endian fields, throwing on truncation or limit violations.
struct WireReader {
  private let bytes: [UInt8]
  private var offset: Int

  init(_ bytes: [UInt8], offset: Int = 0) {
    self.bytes = bytes
    self.offset = offset
  }

  var isAtEnd: Bool { offset == bytes.count }

  private mutating func take(_ n: Int) throws(ProtocolError) -> ArraySlice<UInt8> {
    guard n >= 0, bytes.count - offset >= n else {
      throw ProtocolError(.truncated, "needed \(n) bytes at offset \(offset) of \(bytes.count)")
    }
    defer { offset += n }
    return bytes[offset..<offset + n]
  }

  mutating func u8() throws(ProtocolError) -> UInt8 { try take(1).first! }

  mutating func u32() throws(ProtocolError) -> UInt32 {
    UInt32(littleEndian: try take(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
  }

  mutating func u64() throws(ProtocolError) -> UInt64 {
    UInt64(littleEndian: try take(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
  }

  mutating func int() throws(ProtocolError) -> Int { Int(Int64(bitPattern: try u64())) }
  mutating func f64() throws(ProtocolError) -> Double { Double(bitPattern: try u64()) }

  mutating func count() throws(ProtocolError) -> Int {
    let n = Int(try u32())
    guard n <= Wire.maxBatchItems else {
      throw ProtocolError(.tooLarge, "list of \(n) items exceeds \(Wire.maxBatchItems)")
    }
    return n
  }

  mutating func string() throws(ProtocolError) -> String {
    let n = Int(try u32())
    guard n <= Wire.maxStringBytes else {
      throw ProtocolError(.tooLarge, "string of \(n) bytes exceeds \(Wire.maxStringBytes)")
    }
    let slice = try take(n)
    guard let s = String(validating: slice, as: UTF8.self) else {
      throw ProtocolError(.invalid, "string field is not UTF-8")
    }
    return s
  }

  /// A lease token: no bytes, or exactly `LeaseToken.byteCount`.
  mutating func token() throws(ProtocolError) -> LeaseToken {
    let n = Int(try u32())
    guard n <= Wire.maxTokenBytes else {
      throw ProtocolError(.tooLarge, "token of \(n) bytes exceeds \(Wire.maxTokenBytes)")
    }
    guard n == 0 || n == LeaseToken.byteCount else {
      throw ProtocolError(
        .invalid, "token of \(n) bytes; a lease token has \(LeaseToken.byteCount)")
    }
    let raw = try take(n)
    guard n > 0 else { return LeaseToken() }
    return LeaseToken(raw.withUnsafeBytes { $0.loadUnaligned(as: SIMD16<UInt8>.self) })
  }

  mutating func id() throws(ProtocolError) -> TrialID {
    try take(TrialID.byteCount).withUnsafeBytes { TrialID(bytes: $0)! }
  }

  mutating func ids() throws(ProtocolError) -> [TrialID] {
    try list { (r: inout WireReader) throws(ProtocolError) in try r.id() }
  }

  mutating func strings() throws(ProtocolError) -> [String] {
    try list { (r: inout WireReader) throws(ProtocolError) in try r.string() }
  }

  /// A `u32` count (bounded by `count()`), then that many items.
  private mutating func list<T>(_ item: (inout WireReader) throws(ProtocolError) -> T)
    throws(ProtocolError) -> [T]
  {
    let n = try count()
    var items: [T] = []
    items.reserveCapacity(n)
    for _ in 0..<n { items.append(try item(&self)) }
    return items
  }
}
