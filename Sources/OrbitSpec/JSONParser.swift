/// A small strict JSON parser that keeps integers apart from doubles (Foundation's
/// `JSONSerialization` folds both into `NSNumber`, losing whether `1` was `1.0`).
struct JSONParser {
  private let bytes: [UInt8]
  private var position = 0
  /// Nesting limit: deeper documents are rejected instead of overflowing the stack.
  private static let maximumDepth = 512

  init(_ text: String) { bytes = Array(text.utf8) }

  /// Parses the whole text as one value; trailing non-space characters are an error.
  mutating func parseDocument() throws(SpecError) -> ParamValue {
    let value = try parseValue(depth: 0)
    skipSpace()
    if position < bytes.count { throw failure("unexpected text after the JSON value") }
    return value
  }

  private mutating func parseValue(depth: Int) throws(SpecError) -> ParamValue {
    if depth > Self.maximumDepth { throw failure("JSON nested deeper than \(Self.maximumDepth)") }
    skipSpace()
    guard position < bytes.count else { throw failure("unexpected end of JSON") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseList(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try expectWord("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expectWord("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expectWord("null")
      return .null
    case UInt8(ascii: "N"):
      try expectWord("NaN")
      return .double(.nan)
    case UInt8(ascii: "I"):
      try expectWord("Infinity")
      return .double(.infinity)
    default: return try parseNumber()
    }
  }

  private mutating func parseObject(depth: Int) throws(SpecError) -> ParamValue {
    position += 1
    var members: [String: ParamValue] = [:]
    skipSpace()
    if peek() == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipSpace()
      guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
      let key = try parseString()
      skipSpace()
      guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after a key") }
      position += 1
      members[key] = try parseValue(depth: depth + 1)
      skipSpace()
      let next = peek()
      position += 1
      if next == UInt8(ascii: "}") { return .object(members) }
      guard next == UInt8(ascii: ",") else {
        position -= 1
        throw failure("expected ',' or '}' in an object")
      }
    }
  }

  private mutating func parseList(depth: Int) throws(SpecError) -> ParamValue {
    position += 1
    var items: [ParamValue] = []
    skipSpace()
    if peek() == UInt8(ascii: "]") {
      position += 1
      return .list(items)
    }
    while true {
      items.append(try parseValue(depth: depth + 1))
      skipSpace()
      let next = peek()
      position += 1
      if next == UInt8(ascii: "]") { return .list(items) }
      guard next == UInt8(ascii: ",") else {
        position -= 1
        throw failure("expected ',' or ']' in a list")
      }
    }
  }

  private mutating func parseString() throws(SpecError) -> String {
    position += 1
    var scalars = String.UnicodeScalarView()
    var run: [UInt8] = []
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
        return String(scalars)
      }
      if byte < 0x20 { throw failure("control character inside a string") }
      if byte != UInt8(ascii: "\\") {
        run.append(byte)
        position += 1
        continue
      }
      scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
      run.removeAll(keepingCapacity: true)
      position += 1
      guard position < bytes.count else { break }
      let escape = bytes[position]
      position += 1
      switch escape {
      case UInt8(ascii: "\""): scalars.append("\"")
      case UInt8(ascii: "\\"): scalars.append("\\")
      case UInt8(ascii: "/"): scalars.append("/")
      case UInt8(ascii: "b"): scalars.append("\u{08}")
      case UInt8(ascii: "f"): scalars.append("\u{0C}")
      case UInt8(ascii: "n"): scalars.append("\n")
      case UInt8(ascii: "r"): scalars.append("\r")
      case UInt8(ascii: "t"): scalars.append("\t")
      case UInt8(ascii: "u"):
        var unit = try parseHex4()
        if (0xD800..<0xDC00).contains(unit), peek() == UInt8(ascii: "\\"),
          position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
        {
          position += 2
          let low = try parseHex4()
          guard (0xDC00..<0xE000).contains(low) else { throw failure("bad surrogate pair") }
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(unit) else { throw failure("lone surrogate escape") }
        scalars.append(scalar)
      default: throw failure("unknown escape in a string")
      }
    }
    throw failure("unterminated string")
  }

  private mutating func parseHex4() throws(SpecError) -> UInt32 {
    guard position + 4 <= bytes.count,
      let unit = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
    else { throw failure("expected four hex digits after \\u") }
    position += 4
    return unit
  }

  private mutating func parseNumber() throws(SpecError) -> ParamValue {
    let start = position
    var isInteger = true
    if peek() == UInt8(ascii: "-") { position += 1 }
    if peek() == UInt8(ascii: "I") {
      try expectWord("Infinity")
      return .double(-.infinity)
    }
    let digitsStart = position
    while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
    if position == digitsStart { throw failure("unexpected character") }
    if bytes[digitsStart] == UInt8(ascii: "0") && position - digitsStart > 1 {
      throw failure("leading zero in a number")
    }
    if peek() == UInt8(ascii: ".") {
      isInteger = false
      position += 1
      let fractionStart = position
      while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
        position += 1
      }
      if position == fractionStart { throw failure("expected digits after '.'") }
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      isInteger = false
      position += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
      let exponentStart = position
      while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
        position += 1
      }
      if position == exponentStart { throw failure("expected digits in the exponent") }
    }
    let text = String(decoding: bytes[start..<position], as: UTF8.self)
    if isInteger, let integer = Int64(text) { return .int(integer) }
    guard let number = Double(text) else { throw failure("bad number '\(text)'") }
    return .double(number)
  }

  private mutating func expectWord(_ word: String) throws(SpecError) {
    let utf8 = Array(word.utf8)
    guard position + utf8.count <= bytes.count,
      Array(bytes[position..<position + utf8.count]) == utf8
    else { throw failure("unexpected character") }
    position += utf8.count
  }

  private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

  private mutating func skipSpace() {
    while let byte = peek(),
      byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
        || byte == UInt8(ascii: "\r")
    {
      position += 1
    }
  }

  private func failure(_ problem: String) -> SpecError {
    SpecError(.invalid, "invalid JSON at byte \(position): \(problem)")
  }
}
