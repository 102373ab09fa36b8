/// Formats values the way Python prints them, so a program launched by Orbit sees on its
/// command line exactly what `wandb agent` would have given it.
enum PythonFormat {
  /// Python's `repr()` of a value (`str()` differs only for a top-level string).
  static func repr(_ value: ParamValue) -> String {
    switch value {
    case .null: return "None"
    case .bool(let flag): return flag ? "True" : "False"
    case .int(let number): return String(number)
    case .double(let number): return repr(number)
    case .string(let text): return reprString(text)
    case .list(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
    case .object(let members):
      let parts = members.keys.sorted(by: codePointLess).map {
        reprString($0) + ": " + repr(members[$0]!)
      }
      return "{" + parts.joined(separator: ", ") + "}"
    }
  }

  /// Python's `repr(float)`: the shortest digits that round-trip, fixed notation for decimal
  /// exponents -4 ..< 16 (always with a fractional part, `1.0`), else `1e-05` / `1.5e+16`.
  static func repr(_ number: Double) -> String {
    if number.isNaN { return "nan" }
    if number.isInfinite { return number < 0 ? "-inf" : "inf" }
    // Swift's `description` is already Python's layout except between 2^53 and 1e16, where
    // Swift switches to exponent notation and Python does not: take the fast path elsewhere.
    let magnitude = abs(number)
    if magnitude < 0x1p53 || magnitude >= 1e16 { return number.description }
    let (negative, digits, exponent) = shortestDigits(number)
    let sign = negative ? "-" : ""
    // `exponent` is the power of ten of the first digit: value = d.ddd × 10^exponent.
    if exponent >= -4 && exponent < 16 {
      if exponent < 0 {
        return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
      }
      let integerCount = exponent + 1
      if digits.count <= integerCount {
        return sign + digits + String(repeating: "0", count: integerCount - digits.count) + ".0"
      }
      let cut = digits.index(digits.startIndex, offsetBy: integerCount)
      return sign + digits[..<cut] + "." + digits[cut...]
    }
    var mantissa = String(digits.prefix(1))
    if digits.count > 1 { mantissa += "." + digits.dropFirst() }
    let exponentText = String(abs(exponent))
    return sign + mantissa + "e" + (exponent < 0 ? "-" : "+")
      + (exponentText.count < 2 ? "0" : "") + exponentText
  }

  /// A finite double with no fractional part written as the integer Python's `int(x)` gives
  /// (`3e6` → `3000000`).
  static func wholeDoubleAsInteger(_ number: Double) -> String {
    if abs(number) < 9.0e18 { return String(Int64(number)) }
    // Beyond Int64: the double is an exact integer; write its shortest digits padded with zeros.
    // (Python prints the exact binary value; such values never occur as real parameters.)
    let (negative, digits, exponent) = shortestDigits(number)
    return (negative ? "-" : "") + digits
      + String(repeating: "0", count: max(0, exponent + 1 - digits.count))
  }

  /// Python's `repr(str)`: single quotes unless the text holds `'` and no `"`.
  static func reprString(_ text: String) -> String {
    let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
    var out = String(quote)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if Character(scalar) == quote {
          out += "\\" + String(quote)
        } else if scalar.value < 0x20 || scalar.value == 0x7F {
          let hex = String(scalar.value, radix: 16)
          out += "\\x" + (hex.count < 2 ? "0" : "") + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out.append(quote)
    return out
  }

  /// The sign, the shortest round-trip significant digits (no leading or trailing zeros, "0"
  /// for zero) and the decimal exponent of the first digit, read from Swift's own shortest
  /// representation (`description`), which differs from Python's only in layout.
  static func shortestDigits(_ number: Double) -> (negative: Bool, digits: String, exponent: Int) {
    var text = Substring(number.description)
    let negative = text.hasPrefix("-")
    if negative { text = text.dropFirst() }
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      exponent = Int(text[text.index(after: e)...]) ?? 0
      text = text[..<e]
    }
    let pointIndex = text.firstIndex(of: ".")
    let integerPart = pointIndex.map { text[..<$0] } ?? text
    let fractionPart = pointIndex.map { text[text.index(after: $0)...] } ?? ""
    var allDigits = String(integerPart) + fractionPart
    // Position of the decimal point relative to the start of allDigits.
    var pointPosition = integerPart.count + exponent
    while allDigits.hasPrefix("0") && allDigits.count > 1 {
      allDigits.removeFirst()
      pointPosition -= 1
    }
    while allDigits.hasSuffix("0") && allDigits.count > 1 { allDigits.removeLast() }
    if allDigits == "0" { return (negative, "0", 0) }
    return (negative, allDigits, pointPosition - 1)
  }
}
