/// Writes `ParamValue`s as compact JSON with sorted keys.
enum JSONWriter {
  /// Appends the JSON text of `value` to `out`.
  /// - Parameters:
  ///   - foldWholeDoubles: write `2.0` as `2` (the canonical form that trial ids hash).
  static func write(_ value: ParamValue, into out: inout String, foldWholeDoubles: Bool) {
    switch value {
    case .null: out += "null"
    case .bool(let flag): out += flag ? "true" : "false"
    case .int(let number): out += String(number)
    case .double(let number):
      if foldWholeDoubles, number.isFinite, number.rounded() == number {
        out += PythonFormat.wholeDoubleAsInteger(number)
      } else if number.isNaN {
        out += "NaN"
      } else if number.isInfinite {
        out += number < 0 ? "-Infinity" : "Infinity"
      } else {
        out += PythonFormat.repr(number)
      }
    case .string(let text): writeString(text, into: &out)
    case .list(let items):
      out += "["
      for (offset, item) in items.enumerated() {
        if offset > 0 { out += "," }
        write(item, into: &out, foldWholeDoubles: foldWholeDoubles)
      }
      out += "]"
    case .object(let members):
      out += "{"
      for (offset, key) in members.keys.sorted(by: codePointLess).enumerated() {
        if offset > 0 { out += "," }
        writeString(key, into: &out)
        out += ":"
        write(members[key]!, into: &out, foldWholeDoubles: foldWholeDoubles)
      }
      out += "}"
    }
  }

  /// Appends `text` as a JSON string literal, escaping as Python's `json.dumps` does
  /// (`ensure_ascii=True`): non-ASCII characters become `\uXXXX` (surrogate pairs above U+FFFF).
  static func writeString(_ text: String, into out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if scalar.value < 0x20 || scalar.value > 0x7E {
          if scalar.value > 0xFFFF {
            let offset = scalar.value - 0x10000
            appendEscape(0xD800 + (offset >> 10), into: &out)
            appendEscape(0xDC00 + (offset & 0x3FF), into: &out)
          } else {
            appendEscape(scalar.value, into: &out)
          }
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }

  private static func appendEscape(_ unit: UInt32, into out: inout String) {
    let hex = String(unit, radix: 16)
    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
  }
}
