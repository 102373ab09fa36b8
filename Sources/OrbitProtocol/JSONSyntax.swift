/// Checks that text is one JSON object (RFC 8259), without building any value: the coordinator
/// checks every result's metrics, and parsing them into values would cost the dispatch path an
/// allocation per key.
enum JSONSyntax {
  /// Deepest nesting accepted: metrics are flat or nearly so.
  static let maxDepth = 32

  static func isObject(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { bytes in
      var scanner = Scanner(bytes: bytes)
      scanner.skipSpace()
      guard scanner.peek == UInt8(ascii: "{"), scanner.value(depth: 0) else { return false }
      scanner.skipSpace()
      return scanner.atEnd
    }
  }

  private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    var atEnd: Bool { i == bytes.count }
    var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func skipSpace() {
      while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 }
    }

    mutating func eat(_ c: UInt8) -> Bool {
      guard peek == c else { return false }
      i += 1
      return true
    }

    mutating func literal(_ word: StaticString) -> Bool {
      let n = word.utf8CodeUnitCount
      guard bytes.count - i >= n else { return false }
      for k in 0..<n where bytes[i + k] != word.utf8Start[k] { return false }
      i += n
      return true
    }

    mutating func value(depth: Int) -> Bool {
      guard depth < JSONSyntax.maxDepth, let c = peek else { return false }
      switch c {
      case UInt8(ascii: "{"):
        i += 1
        skipSpace()
        if eat(UInt8(ascii: "}")) { return true }
        while true {
          skipSpace()
          guard string() else { return false }
          skipSpace()
          guard eat(UInt8(ascii: ":")) else { return false }
          skipSpace()
          guard value(depth: depth + 1) else { return false }
          skipSpace()
          if eat(UInt8(ascii: "}")) { return true }
          guard eat(UInt8(ascii: ",")) else { return false }
        }
      case UInt8(ascii: "["):
        i += 1
        skipSpace()
        if eat(UInt8(ascii: "]")) { return true }
        while true {
          skipSpace()
          guard value(depth: depth + 1) else { return false }
          skipSpace()
          if eat(UInt8(ascii: "]")) { return true }
          guard eat(UInt8(ascii: ",")) else { return false }
        }
      case UInt8(ascii: "\""): return string()
      case UInt8(ascii: "t"): return literal("true")
      case UInt8(ascii: "f"): return literal("false")
      case UInt8(ascii: "n"): return literal("null")
      default: return number()
      }
    }

    mutating func string() -> Bool {
      guard eat(UInt8(ascii: "\"")) else { return false }
      while let c = peek {
        i += 1
        switch c {
        case UInt8(ascii: "\""): return true
        case UInt8(ascii: "\\"):
          guard let e = peek else { return false }
          i += 1
          if e == UInt8(ascii: "u") {
            for _ in 0..<4 {
              guard let h = peek, isHex(h) else { return false }
              i += 1
            }
          } else if !"\"\\/bfnrt".utf8.contains(e) {
            return false
          }
        case 0..<0x20: return false  // control characters must be escaped
        default: break
        }
      }
      return false
    }

    mutating func number() -> Bool {
      _ = eat(UInt8(ascii: "-"))
      guard let first = peek, isDigit(first) else { return false }
      if first == UInt8(ascii: "0") { i += 1 } else { digits() }
      if eat(UInt8(ascii: ".")) {
        guard let d = peek, isDigit(d) else { return false }
        digits()
      }
      if eat(UInt8(ascii: "e")) || eat(UInt8(ascii: "E")) {
        if !eat(UInt8(ascii: "+")) { _ = eat(UInt8(ascii: "-")) }
        guard let d = peek, isDigit(d) else { return false }
        digits()
      }
      return true
    }

    mutating func digits() { while let c = peek, isDigit(c) { i += 1 } }
    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    func isHex(_ c: UInt8) -> Bool {
      isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }
  }
}
